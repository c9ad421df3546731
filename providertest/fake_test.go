package providertest_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/oauthx/oauthx/providertest"
)

// fakeServer is what every fake offers through the shared skeleton.
type fakeServer interface {
	Close()
	Err() error
	Fail(...providertest.Fault)
}

// TestFakesShareOptionsAndSkeleton checks, for every fake, the option
// convention (a nil option is skipped, an invalid value is reported by Err
// and every request is answered 500 naming it) and the one clock option.
func TestFakesShareOptionsAndSkeleton(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return at }
	cases := []struct {
		name  string
		start func(opt providertest.Option) (fakeServer, string)
	}{
		{"generic", func(opt providertest.Option) (fakeServer, string) {
			f := providertest.NewGeneric(nil, opt)
			return f, f.URL + "/oauth2/token"
		}},
		{"shopify", func(opt providertest.Option) (fakeServer, string) {
			f := providertest.NewShopify(nil, opt)
			return f, f.URL + "/test.myshopify.com/admin/oauth/access_token"
		}},
		{"finch", func(opt providertest.Option) (fakeServer, string) {
			f := providertest.NewFinch(nil, opt)
			return f, f.URL + "/auth/token"
		}},
		{"passport", func(opt providertest.Option) (fakeServer, string) {
			f := providertest.NewPassport(nil, opt)
			return f, f.URL + "/token"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name+"/valid", func(t *testing.T) {
			t.Parallel()
			f, u := tc.start(providertest.WithClock(clock))
			defer f.Close()
			require.NoError(t, f.Err())
			resp, err := http.PostForm(u, url.Values{})
			require.NoError(t, err)
			resp.Body.Close()
			assert.NotEqual(t, http.StatusInternalServerError, resp.StatusCode)
		})
		t.Run(tc.name+"/listener", func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			f, u := tc.start(providertest.WithListener(ln))
			require.NoError(t, f.Err())
			assert.True(t, strings.HasPrefix(u, "http://"+ln.Addr().String()+"/"), "%s is not served on %s", u, ln.Addr())
			resp, err := http.PostForm(u, url.Values{})
			require.NoError(t, err)
			resp.Body.Close()
			assert.NotEqual(t, http.StatusInternalServerError, resp.StatusCode)
			f.Close()
			_, err = net.Dial("tcp", ln.Addr().String())
			assert.Error(t, err, "Close left the listener open")
		})
		t.Run(tc.name+"/bad listener", func(t *testing.T) {
			t.Parallel()
			f, u := tc.start(providertest.WithListener(nil))
			defer f.Close()
			require.ErrorContains(t, f.Err(), "WithListener: nil listener")
			resp, err := http.PostForm(u, url.Values{})
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)

			// Not bound for real: a listener that only claims a
			// non-loopback address, so nothing listens beyond loopback.
			wide := claimedAddr{addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}}
			f2, _ := tc.start(providertest.WithListener(wide))
			defer f2.Close()
			require.ErrorContains(t, f2.Err(), "WithListener: not a loopback address")
		})
		t.Run(tc.name+"/nil clock", func(t *testing.T) {
			t.Parallel()
			f, u := tc.start(providertest.WithClock(nil))
			defer f.Close()
			require.ErrorContains(t, f.Err(), "WithClock: nil clock")
			resp, err := http.PostForm(u, url.Values{})
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusInternalServerError, resp.StatusCode)
		})
	}
}

// claimedAddr is a net.Listener that is never served: it only reports an
// address, for the check WithListener makes.
type claimedAddr struct {
	net.Listener
	addr net.Addr
}

func (l claimedAddr) Addr() net.Addr { return l.addr }

// TestWithClockDrivesExpiry checks that the one clock option is the fake's
// clock: a Finch code issued now has expired once the clock passes its
// lifetime.
func TestWithClockDrivesExpiry(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	f := providertest.NewFinch(providertest.WithClock(func() time.Time { return now }))
	defer f.Close()
	code := f.IssueCode("")
	now = now.Add(providertest.FinchCodeLifetime)
	status, out := postFinch(t, f.URL+"/auth/token", "application/json",
		`{"client_id":"finch-client","client_secret":"finch-secret","code":"`+code+`"}`,
		map[string]string{"Finch-API-Version": providertest.FinchAPIVersion})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "authorization code has expired", out["message"])
}
