package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// cmdShopify runs the Shopify subcommands: `oauthx shopify migrate`.
func cmdShopify(c *cli, args []string) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usagef("shopify takes a subcommand: migrate")
	}
	return cmdShopifyMigrate(c, args[1:])
}

// migrateSummary is what `shopify migrate` prints.
type migrateSummary struct {
	Migrated     int             `json:"migrated"`
	WouldMigrate int             `json:"would_migrate,omitempty"`
	Skipped      int             `json:"skipped"`
	Failed       int             `json:"failed"`
	Failures     []migrateFailed `json:"failures,omitempty"`
	Unreadable   []string        `json:"unreadable,omitempty"`
	DryRun       bool            `json:"dry_run,omitempty"`
}

type migrateFailed struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
	Error  string `json:"error,omitempty"`
}

// migrateError is the exit status of a run with failures: transient
// ones (run again later) before others, dead tokens last.
type migrateError struct {
	n    int
	kind error
}

// Error says how many sessions failed.
func (e *migrateError) Error() string {
	return "shopify migrate: " + strconv.Itoa(e.n) + " session(s) failed (see the summary)"
}

// Unwrap returns the kind of the failures, for the exit code.
func (e *migrateError) Unwrap() error { return e.kind }

// cmdShopifyMigrate migrates every stored non-expiring Shopify offline
// session of --store to an expiring one, through the refresh protocol
// (lock, re-read, compare-and-set), a few at a time. Progress goes to
// stderr, the summary to stdout. Interrupting and running it again is
// safe: migrated sessions are skipped, and a migration cut off after
// Shopify answered is answered the same pair again.
func cmdShopifyMigrate(c *cli, args []string) error {
	fs := c.flagSet("shopify migrate", "[--dry-run] [--concurrency N] [flags]", shopifyCmd)
	dry := fs.Bool("dry-run", false, "only report what would be migrated; send nothing")
	conc := fs.Int("concurrency", 4, "migrations at once")
	pos, err := c.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("shopify migrate takes no arguments, only flags")
	}
	if *conc < 1 || *conc > 64 {
		return usagef("--concurrency must be between 1 and 64")
	}
	clientID := c.clientIDOr("")
	if clientID == "" {
		return usagef("shopify migrate needs the app's API key: --client-id or $%s", envClientID)
	}
	secret := "dry-run: nothing is sent"
	if !*dry {
		if secret, err = c.needSecret("shopify migrate"); err != nil {
			return err
		}
	}
	meta := sessionMeta{Provider: provShopify, BaseURL: c.baseURL, ClientID: clientID}
	cl, st, closeStore, err := c.clientsAndStore(target{meta: meta, secret: secret})
	if err != nil {
		return err
	}
	defer closeStore()
	sum := migrateSummary{DryRun: *dry}
	list, err := st.List(c.ctx, tokenstore.Filter{Provider: provShopify})
	var le *tokenstore.ListError
	if errors.As(err, &le) {
		sum.Unreadable = le.IDs
	} else if err != nil {
		return err
	}
	app := cl.shop
	// The CLI's metadata carries over to the migrated session, so that
	// token and refresh find its client later.
	renew := func(ctx context.Context, s *client.Session) (*client.Session, error) {
		ns, err := app.Renew(ctx, s)
		if ns != nil {
			m, ok := metaOf(s)
			if !ok {
				m = meta
			}
			stamp(ns, "", m)
		}
		return ns, err
	}
	ref, err := tokenstore.NewRefresher(st, renew, tokenstore.WithFreshness(app.Fresh))
	if err != nil {
		return err
	}
	total := 0
	for _, s := range list {
		if app.NeedsMigration(s) {
			total++
		}
	}
	if !c.json {
		fmt.Fprintf(c.stderr, "oauthx: shopify migrate: %d stored Shopify session(s), %d non-expiring offline\n", len(list), total)
	}
	n := 0
	res, runErr := app.MigrateSessions(c.ctx, shopify.MigrateParams{
		Sessions: list, Refresher: ref, DryRun: *dry, Concurrency: *conc,
		Progress: func(r shopify.MigrationResult) {
			if r.Outcome == shopify.Skipped || c.json {
				return
			}
			n++
			line := fmt.Sprintf("oauthx: shopify migrate: [%d/%d] %s: %s", n, total, r.ID, r.Outcome)
			if r.Reason != "" {
				line += " (" + r.Reason + ")"
			}
			fmt.Fprintln(c.stderr, line)
		},
	})
	if res == nil {
		return runErr
	}
	sum.Migrated, sum.WouldMigrate, sum.Skipped, sum.Failed = res.Migrated, res.WouldMigrate, res.Skipped, res.Failed
	var transient, other bool
	for _, r := range res.Results {
		if r.Outcome != shopify.Failed {
			continue
		}
		f := migrateFailed{ID: r.ID, Reason: r.Reason}
		if r.Err != nil {
			f.Error = r.Err.Error()
		}
		sum.Failures = append(sum.Failures, f)
		switch {
		case errors.Is(r.Err, client.ErrReauthorize):
			// a dead token: exit 3 unless something worse happened
		case errors.Is(r.Err, client.ErrTransient), errors.Is(r.Err, client.ErrRateLimited), isContextErr(r.Err):
			transient = true
		default:
			other = true
		}
	}
	kind := client.ErrReauthorize // only dead tokens: exit 3
	switch {
	case transient:
		kind = client.ErrTransient // run again later: exit 4
	case other:
		kind = errMigrationFailed // exit 1
	}
	if c.json {
		if err := c.printJSON(sum); err != nil {
			return err
		}
	} else {
		verb := "migrated"
		if *dry {
			verb = "would migrate"
		}
		count := sum.Migrated
		if *dry {
			count = sum.WouldMigrate
		}
		fmt.Fprintf(c.stdout, "%s %d, skipped %d, failed %d\n", verb, count, sum.Skipped, sum.Failed)
		for _, f := range sum.Failures {
			fmt.Fprintf(c.stdout, "  failed %s: %s\n", f.ID, f.Reason)
		}
		for _, id := range sum.Unreadable {
			fmt.Fprintf(c.stdout, "  unreadable %s\n", id)
		}
	}
	if runErr != nil {
		return fmt.Errorf("shopify migrate interrupted (run it again to finish): %w", runErr)
	}
	if sum.Failed > 0 {
		return &migrateError{n: sum.Failed, kind: kind}
	}
	if len(sum.Unreadable) > 0 {
		return fmt.Errorf("shopify migrate: %d stored session(s) could not be read", len(sum.Unreadable))
	}
	return nil
}

// errMigrationFailed is the kind of a failure that is neither transient
// nor a dead token.
var errMigrationFailed = errors.New("migration failed")

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
