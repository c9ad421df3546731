package shopify_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/providertest"
	"github.com/oauthx/oauthx/shopify"
	"github.com/oauthx/oauthx/tokenstore"
)

// renewalChildEnv makes the test binary act as one process of
// TestClientCredentialsRenewalAcrossProcesses (see TestMain).
const renewalChildEnv = "OAUTHX_SHOPIFY_RENEWAL_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(renewalChildEnv) != "" {
		os.Exit(renewalChild())
	}
	os.Exit(m.Run())
}

// fileClock is a clock several processes share: Unix seconds in a file.
func fileClock(path string) func() time.Time {
	return func() time.Time {
		b, err := os.ReadFile(path)
		if err != nil {
			return time.Time{}
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		return time.Unix(n, 0)
	}
}

func setClock(t *testing.T, path string, at time.Time) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(strconv.FormatInt(at.Unix(), 10)), 0o600))
}

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return k
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// doorsClient is a Client for fake with the app-only key (nil: secret).
func doorsClient(t *testing.T, fake *providertest.Shopify, now func() time.Time, key crypto.Signer, kid string) *shopify.Client {
	t.Helper()
	c, err := shopify.New(shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Scopes: []string{"read_products"},
		Now: now, InsecureShopBaseURL: fake.URL, AssertionKey: key, AssertionKeyID: kid},
		client.WithRetryWait(time.Millisecond, 20*time.Millisecond))
	require.NoError(t, err)
	return c
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	fake, _ := setup(t)
	c := doorsClient(t, fake, fixedClock, nil, "")
	s, err := c.ClientCredentials(context.Background(), "Test-Shop.myshopify.com")
	require.NoError(t, err)
	assert.Equal(t, shopify.ClientCredentialsSessionID(testShop), s.ID)
	assert.Equal(t, testShop, s.Subject)
	assert.Equal(t, client.GrantClientCredentials, s.Grant)
	assert.Empty(t, s.RefreshToken)
	assert.Equal(t, fixedNow.Add(24*time.Hour-time.Second), s.Expiry)
	assert.True(t, fake.AccessTokenValid(testShop, s.AccessToken))
	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, map[string]any{"grant_type": "client_credentials", "client_id": testAPIKey, "client_secret": testAPISecret}, reqs[0].Body)

	renewed, err := c.TokenClient().Refresh(context.Background(), s)
	require.NoError(t, err)
	assert.Equal(t, s.ID, renewed.ID)
	assert.NotEqual(t, s.AccessToken, renewed.AccessToken)
	assert.Equal(t, 2, fake.GrantStats().ClientCredentials)

	_, err = c.ClientCredentials(context.Background(), "evil.com")
	require.ErrorIs(t, err, shopify.ErrInvalidShop)
	assert.Len(t, fake.Requests(), 2, "nothing sent for a hostile shop")
}

func TestApplicationOnlyTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		key  crypto.Signer
	}{{"RS256", newRSAKey(t)}, {"ES256", newECKey(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, _ := setup(t)
			require.NoError(t, fake.AddClientKey("key-1", tc.key.Public()))
			c := doorsClient(t, fake, fixedClock, tc.key, "key-1")
			s, err := c.ClientCredentials(context.Background(), testShop)
			require.NoError(t, err)
			assert.Equal(t, fixedNow.Add(time.Hour-time.Second), s.Expiry)
			assert.Empty(t, s.RefreshToken)
			assert.Equal(t, 1, fake.GrantStats().AppOnly)
			body := fake.Requests()[0].Body
			assert.NotContains(t, body, "client_secret", "the secret stays home")
			assert.NotContains(t, body, "scope")
			assert.Equal(t, shopify.ClientAssertionType, body["client_assertion_type"])

			renewed, err := c.TokenClient().Refresh(context.Background(), s)
			require.NoError(t, err, "a second assertion, with a fresh jti")
			assert.NotEqual(t, s.AccessToken, renewed.AccessToken)
			assert.Equal(t, 2, fake.GrantStats().AppOnly)

			wrongKid := doorsClient(t, fake, fixedClock, tc.key, "key-2")
			_, err = wrongKid.ClientCredentials(context.Background(), testShop)
			require.ErrorIs(t, err, client.ErrInvalidClient)
			requireNoSecrets(t, err.Error(), fake.Requests()[2].Body["client_assertion"].(string))
		})
	}
}

func TestAssertionKeyConfig(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	for name, cfg := range map[string]shopify.Config{
		"RSA under 2048 bits": {AssertionKey: small, AssertionKeyID: "k"},
		"P-384":               {AssertionKey: p384, AssertionKeyID: "k"},
		"no kid":              {AssertionKey: newECKey(t)},
		"kid without key":     {AssertionKeyID: "k"},
	} {
		cfg.APIKey, cfg.APISecret = testAPIKey, testAPISecret
		_, err := shopify.New(cfg)
		assert.Error(t, err, name)
	}
}

// TestClientCredentialsRenewalAcrossProcesses runs two real processes (this
// test binary, re-executed) holding a tokenstore.TokenSource over the same
// file store at every expiry: across both, one token request per expiry,
// and both hand out the same new token. The clock is a file all processes
// and the fake read, so expiry is a step, not a wait.
func TestClientCredentialsRenewalAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, mode := range []string{"secret", "assertion"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			clockPath := filepath.Join(dir, "clock")
			setClock(t, clockPath, fixedNow)
			now := fileClock(clockPath)
			fake := providertest.NewShopify(providertest.WithShopifyCredentials(testAPIKey, testAPISecret), providertest.WithClock(now))
			t.Cleanup(fake.Close)
			var key crypto.Signer
			keyPath, kid := "", ""
			if mode == "assertion" {
				kid = "key-1"
				ec := newECKey(t)
				key = ec
				require.NoError(t, fake.AddClientKey("key-1", ec.Public()))
				der, err := x509.MarshalPKCS8PrivateKey(ec)
				require.NoError(t, err)
				keyPath = filepath.Join(dir, "key.pem")
				require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
			}
			storeDir := filepath.Join(dir, "sessions")
			st, err := tokenstore.NewFile(storeDir)
			require.NoError(t, err)
			c := doorsClient(t, fake, now, key, kid)
			s, err := c.ClientCredentials(context.Background(), testShop)
			require.NoError(t, err)
			require.NoError(t, st.Save(context.Background(), s))
			grants := func() int { g := fake.GrantStats(); return g.ClientCredentials + g.AppOnly }
			require.Equal(t, 1, grants())

			lifetime := s.Expiry.Sub(fixedNow)
			prev := s.AccessToken
			at := fixedNow
			for round := 1; round <= 2; round++ {
				at = at.Add(lifetime + time.Minute)
				setClock(t, clockPath, at)
				env := []string{renewalChildEnv + "=1", "CHILD_FAKE_URL=" + fake.URL, "CHILD_STORE=" + storeDir,
					"CHILD_CLOCK=" + clockPath, "CHILD_KEY=" + keyPath}
				outs := runChildren(t, 2, env)
				for i, out := range outs {
					require.Len(t, out, 1, "process %d handed out one token: %v", i, out)
					assert.Equal(t, outs[0][0], out[0], "both processes hand out the same token")
				}
				assert.NotEqual(t, prev, outs[0][0], "round %d renewed", round)
				assert.True(t, fake.AccessTokenValid(testShop, outs[0][0]))
				assert.Equal(t, 1+round, grants(), "one request for expiry %d across both processes", round)
				prev = outs[0][0]
			}
		})
	}
}

// runChildren starts n copies of this test binary with env at once and
// returns the distinct tokens each printed.
func runChildren(t *testing.T, n int, env []string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outs := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, os.Args[0])
			cmd.Env = append(os.Environ(), env...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				errs[i] = fmt.Errorf("%w: %s", err, stderr.String())
			}
			outs[i] = strings.Fields(string(out))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	return outs
}

// renewalChild is one process of the cross-process test: 8 goroutines ask
// a TokenSource for the token; it prints the distinct tokens they got.
func renewalChild() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "child:", err); return 2 }
	now := fileClock(os.Getenv("CHILD_CLOCK"))
	cfg := shopify.Config{APIKey: testAPIKey, APISecret: testAPISecret, Now: now, InsecureShopBaseURL: os.Getenv("CHILD_FAKE_URL")}
	if p := os.Getenv("CHILD_KEY"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return fail(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return fail(fmt.Errorf("no PEM key"))
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return fail(err)
		}
		cfg.AssertionKey, cfg.AssertionKeyID = k.(crypto.Signer), "key-1"
	}
	c, err := shopify.New(cfg)
	if err != nil {
		return fail(err)
	}
	st, err := tokenstore.NewFile(os.Getenv("CHILD_STORE"))
	if err != nil {
		return fail(err)
	}
	ts := tokenstore.NewTokenSource(st, c.TokenClient(), shopify.ClientCredentialsSessionID(testShop), tokenstore.WithClock(now))
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := ts.Token()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = err
				return
			}
			seen[tok.AccessToken] = true
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fail(firstErr)
	}
	toks := make([]string, 0, len(seen))
	for tok := range seen {
		toks = append(toks, tok)
	}
	sort.Strings(toks)
	fmt.Println(strings.Join(toks, "\n"))
	return 0
}
