package tokenstore

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNoSessionBus is matched by the error KeyringAvailable returns on a
// Unix system other than macOS when no D-Bus session bus is announced:
// DBUS_SESSION_BUS_ADDRESS is unset and $XDG_RUNTIME_DIR/bus does not
// exist. The probe then answers at once instead of letting the D-Bus
// library autolaunch a dbus-daemon of its own, which would outlive the
// program (and often start a gnome-keyring-daemon with it).
var ErrNoSessionBus = errors.New("tokenstore: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset, no $XDG_RUNTIME_DIR/bus)")

// sessionBusAnnounced reports whether the Secret Service can be reached
// without starting a D-Bus daemon: always on macOS and Windows (their
// keyrings need no D-Bus), elsewhere only when a session bus is announced.
func sessionBusAnnounced() bool {
	switch runtime.GOOS {
	case "darwin", "windows", "ios":
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil
}
