package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/oauthx/oauthx/tokenstore"
)

// cmdList lists the stored sessions, tokens never shown.
func cmdList(c *cli, args []string) error {
	fs := c.flagSet("list", "[--provider P] [flags]", storeCmd)
	prov := fs.String("provider", "", "only sessions of this provider")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("list takes no arguments")
	}
	st, closeStore, err := c.openStore()
	if err != nil {
		return err
	}
	defer closeStore()
	ss, err := st.List(c.ctx, tokenstore.Filter{Provider: *prov})
	if err != nil {
		return err
	}
	now := time.Now()
	if c.json {
		views := make([]sessionView, 0, len(ss))
		for _, s := range ss {
			views = append(views, viewOf(s, now, false))
		}
		return c.printJSON(views)
	}
	if len(ss) == 0 {
		fmt.Fprintln(c.stderr, "no stored sessions")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tSUBJECT\tEXPIRY\tREFRESH")
	for _, s := range ss {
		exp := "never"
		if !s.NeverExpires() {
			exp = s.Expiry.UTC().Format(time.RFC3339)
			if !s.ValidAt(now, 0) {
				exp += " (expired)"
			}
		}
		refresh := "no"
		if s.RefreshToken != "" {
			refresh = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Provider, s.Subject, exp, refresh)
	}
	return tw.Flush()
}
