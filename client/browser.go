package client

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
)

// ErrNoBrowser means OpenBrowser found no browser to open: no desktop
// session (DISPLAY, WAYLAND_DISPLAY) on Linux and the BSDs, or no opener
// program installed.
var ErrNoBrowser = errors.New("oauthx: no browser can be opened here")

// OpenBrowser opens url in the system browser with the platform's opener
// (open on macOS, rundll32 on Windows, xdg-open elsewhere when a desktop
// session is present). It does not wait for the browser; the opener
// process is reaped in the background.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return ErrNoBrowser
		}
		p, err := exec.LookPath("xdg-open")
		if err != nil {
			return ErrNoBrowser
		}
		cmd = exec.Command(p, url)
	}
	if err := cmd.Start(); err != nil {
		return errors.Join(ErrNoBrowser, err)
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
