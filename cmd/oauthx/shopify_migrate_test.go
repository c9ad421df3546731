package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// `oauthx shopify migrate` over a store of 500 sessions — non-expiring
// live ones, already migrated ones, dead ones — killed half way and run
// again: every live one is migrated exactly once, the rest reported.
func TestShopifyMigrate500KilledAndRerun(t *testing.T) {
	t.Parallel()
	f := newShopify(t)
	e := newEnv(t).set(envClientSecret, f.APISecret).set(envClientID, f.APIKey)
	st, err := tokenstore.NewFile(e.dir)
	require.NoError(t, err)
	ctx := context.Background()
	shop := func(i int) string { return fmt.Sprintf("shop-%03d.myshopify.com", i) }
	meta := sessionMeta{Provider: provShopify, BaseURL: f.URL, ClientID: f.APIKey}
	var live, migrated, dead []int
	for i := range 500 {
		s := &client.Session{ID: shopify.OfflineSessionID(shop(i)), Provider: provShopify, Subject: shop(i), TokenType: "Bearer"}
		switch i % 5 {
		case 0, 1:
			s.AccessToken = f.IssueOfflineToken(shop(i))
			live = append(live, i)
		case 2, 3:
			s.AccessToken, s.RefreshToken = fmt.Sprintf("shpat_expiring_%d", i), fmt.Sprintf("shprt_%d", i)
			s.Expiry = time.Now().Add(time.Hour)
			migrated = append(migrated, i)
		case 4:
			s.AccessToken = fmt.Sprintf("shpat_dead_%d", i) // uninstalled long ago
			dead = append(dead, i)
		}
		stamp(s, "", meta)
		require.NoError(t, st.Save(ctx, s))
	}

	r := e.ok("shopify", "migrate", "--dry-run")
	assert.Contains(t, r.stdout, "would migrate 300, skipped 200, failed 0")
	assert.Zero(t, f.Stats().Requests, "a dry run sends nothing")

	// First run, killed once about a third of the live sessions are done.
	slow := make([]providertest.Fault, 400)
	for i := range slow {
		slow[i] = providertest.Slow(5 * time.Millisecond)
	}
	f.Fail(slow...)
	runCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := e.command(runCtx, "--store", "file:"+e.dir, "--base-url", f.URL, "shopify", "migrate", "--concurrency", "8")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stderr)
	seen := 0
	for sc.Scan() {
		if strings.HasSuffix(sc.Text(), ": migrated") {
			if seen++; seen == 70 {
				require.NoError(t, cmd.Process.Kill())
				break
			}
		}
	}
	_ = cmd.Wait()
	require.Less(t, f.Stats().Migrations, len(live), "killed before the end")

	// Second run: finishes.
	r = e.run("", "--store", "file:"+e.dir, "--base-url", f.URL, "shopify", "migrate", "--concurrency", "8")
	assert.Contains(t, []int{exitOK, exitReauth}, r.code, r.stderr)
	assert.Contains(t, r.stdout, "skipped ")
	assert.NotContains(t, r.stdout+r.stderr, f.APISecret)
	t.Logf("rerun: exit %d: %s; %s", r.code, strings.SplitN(r.stdout, "\n", 2)[0], lastLines(r.stderr, 1))

	st2 := f.Stats()
	assert.Equal(t, len(live), st2.Migrations, "each live session migrated exactly once")
	for _, i := range live {
		s, err := st.Load(ctx, shopify.OfflineSessionID(shop(i)))
		require.NoError(t, err)
		assert.False(t, s.NeverExpires(), shop(i))
		assert.NotEmpty(t, s.RefreshToken, shop(i))
		assert.True(t, f.AccessTokenValid(shop(i), s.AccessToken), "%s holds a live token", shop(i))
		_, ok := metaOf(s)
		assert.True(t, ok, "the CLI metadata carried over")
	}
	for _, i := range migrated {
		s, err := st.Load(ctx, shopify.OfflineSessionID(shop(i)))
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("shpat_expiring_%d", i), s.AccessToken, "already migrated: untouched")
	}
	for _, i := range dead {
		_, err := st.Load(ctx, shopify.OfflineSessionID(shop(i)))
		assert.ErrorIs(t, err, tokenstore.ErrNotFound, "a dead session is deleted")
	}

	// A third run has nothing left to do.
	r = e.ok("--base-url", f.URL, "shopify", "migrate")
	assert.Contains(t, r.stdout, "migrated 0, skipped 400, failed 0")
	assert.Equal(t, st2.Requests, f.Stats().Requests)
}

func TestShopifyMigrateUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t).set(envClientID, "k")
	e.exit(exitUsage, "shopify")
	e.exit(exitUsage, "shopify", "migrate", "--concurrency", "0")
	e.exit(exitUsage, "shopify", "migrate", "extra")
	e.exit(exitUsage, "shopify", "migrate") // no secret
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
