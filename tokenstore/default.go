package tokenstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultProbeTimeout is how long OpenDefault waits for the OS keyring to
// answer before it falls back to files.
const DefaultProbeTimeout = 3 * time.Second

// OpenDefault opens the store a command-line tool should use: the OS
// keyring under service when it answers within DefaultProbeTimeout, else
// a File store in the "oauthx/sessions" directory of os.UserConfigDir. It
// writes one line to notice (nil: nowhere) saying which it chose, and why
// when it falls back.
func OpenDefault(ctx context.Context, service string, notice io.Writer) (Store, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		cfg = ""
	}
	probe := func(ctx context.Context) error { return KeyringAvailable(ctx, service, DefaultProbeTimeout) }
	return openDefault(ctx, service, cfg, notice, probe)
}

func openDefault(ctx context.Context, service, configDir string, notice io.Writer, probe func(context.Context) error) (Store, error) {
	if notice == nil {
		notice = io.Discard
	}
	perr := probe(ctx)
	if perr == nil {
		k, err := NewKeyring(service)
		if err == nil {
			fmt.Fprintf(notice, "oauthx: storing sessions in the OS keyring (service %q)\n", service)
			return k, nil
		}
		perr = err
	}
	if configDir == "" {
		return nil, fmt.Errorf("tokenstore: no OS keyring (%v) and no user config directory for a file store", perr)
	}
	dir := filepath.Join(configDir, "oauthx", "sessions")
	f, err := NewFile(dir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tokenstore: no OS keyring: %w", perr), err)
	}
	fmt.Fprintf(notice, "oauthx: no OS keyring (%s); storing sessions in %s\n", oneLine(perr.Error()), dir)
	return f, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
