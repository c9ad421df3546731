package storeurl_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/oauthx/oauthx/client"
	"github.com/oauthx/oauthx/tokenstore/storeurl"
)

// A store named by a flag or an environment variable: here a file store
// in a fresh directory; "redis://127.0.0.1:6379/0?prefix=myapp:" or
// "postgres://…?table=myapp_sessions" open the shared stores the same way.
func ExampleOpen() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "storeurl-example-")
	defer os.RemoveAll(tmp)

	st, err := storeurl.Open(ctx, "file:"+filepath.Join(tmp, "sessions"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.(io.Closer).Close() // releases Redis and PostgreSQL connections; a no-op here

	_ = st.Save(ctx, &client.Session{ID: "generic:alice", Provider: "generic", AccessToken: "at-1", TokenType: "Bearer"})
	s, _ := st.Load(ctx, "generic:alice")
	fmt.Println(s.ID, s.Provider)

	_, err = storeurl.Open(ctx, "mysql://db/sessions")
	var ue *storeurl.URLError
	fmt.Println(errors.As(err, &ue), ue.Reason)
	// Output:
	// generic:alice generic
	// true unknown scheme "mysql"
}
