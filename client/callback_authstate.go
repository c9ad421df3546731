package client

import "context"

type authStateKey struct{}

// CallbackAuthState returns the login a CallbackHandler verified for the
// callback being handled (its ReturnTo, RedirectURL, Extra, …), from the
// context the handler passes to ID, VerifyIDToken and Save. It reports
// false for any other context. The AuthState must not be changed.
func CallbackAuthState(ctx context.Context) (*AuthState, bool) {
	st, ok := ctx.Value(authStateKey{}).(*AuthState)
	return st, ok && st != nil
}
