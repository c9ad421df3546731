package main

import "time"

// cmdShow prints one stored session. Tokens are fingerprints unless
// --reveal is given.
func cmdShow(c *cli, args []string) error {
	fs := c.flagSet("show", "<name> [--reveal] [flags]", storeCmd)
	reveal := fs.Bool("reveal", false, "print the tokens and provider fields in clear")
	_, _, s, closeStore, err := c.namedSession(fs, "show", args)
	if err != nil {
		return err
	}
	defer closeStore()
	v := viewOf(s, time.Now(), *reveal)
	if c.json {
		return c.printJSON(v)
	}
	writeView(c.stdout, v)
	return nil
}
