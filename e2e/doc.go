// Package e2e holds oauthx's end-to-end tests that need more than the
// library's own dependencies: the real-browser login test drives headless
// Chromium (Debian's /usr/bin/chromium, or $OAUTHX_CHROMIUM) with chromedp through the built
// `oauthx fake generic` and `oauthx login generic`. It is a module of its
// own so that chromedp never enters the library's go.mod.
//
// Screenshots of the pages a login ends on are written to
// $OAUTHX_ARTIFACTS/browser, or artifacts/browser at the repository's
// root when OAUTHX_ARTIFACTS is unset. Without Chromium the test skips,
// and fails when OAUTHX_REQUIRE_SERVICES=1.
package e2e
