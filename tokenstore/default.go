package tokenstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/oauthx/oauthx/internal/errtext"
)

// DefaultProbeTimeout is how long OpenDefault waits for the OS keyring to
// answer before it falls back to files.
const DefaultProbeTimeout = 3 * time.Second

// DefaultChoiceFile is the name of the file, in the "oauthx" directory of
// os.UserConfigDir (next to the "sessions" directory of the file store),
// in which OpenDefault remembers that it fell back to files.
const DefaultChoiceFile = "default-store"

// OpenDefault opens the store a command-line tool should use: the OS
// keyring under service when it answers within DefaultProbeTimeout, else
// a File store in the "oauthx/sessions" directory of os.UserConfigDir.
// It writes one line to notice (nil: nowhere) saying which it chose, and
// why when it falls back.
//
// It never starts a D-Bus or keyring daemon of its own (see
// KeyringAvailable). When it falls back because no Secret Service
// answered, it remembers the choice in the file DefaultChoiceFile of the
// "oauthx" config directory, and later calls use the file store at once,
// without probing the keyring. Delete that file to make the next call
// probe again. A probe that timed out (a keyring that may be locked
// behind a prompt) falls back for this call only and is not remembered.
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
	var dir, choice string
	if configDir != "" {
		dir = filepath.Join(configDir, "oauthx", "sessions")
		choice = filepath.Join(configDir, "oauthx", DefaultChoiceFile)
		if rememberedFiles(choice) {
			f, err := NewFile(dir)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(notice, "oauthx: storing sessions in %s (no OS keyring answered before; delete %s to try it again)\n", dir, choice)
			return f, nil
		}
	}
	perr := probe(ctx)
	probeFailed := perr != nil // only a failed probe is remembered
	if perr == nil {
		k, err := NewKeyring(service)
		if err == nil {
			fmt.Fprintf(notice, "oauthx: storing sessions in the OS keyring (service %q)\n", service)
			return k, nil
		}
		perr = err
	}
	if configDir == "" {
		return nil, errtext.Errorf("tokenstore: no OS keyring (%v) and no user config directory for a file store", perr)
	}
	f, err := NewFile(dir)
	if err != nil {
		return nil, errors.Join(errtext.Errorf("tokenstore: no OS keyring: %w", perr), err)
	}
	remembered := ""
	if probeFailed && remember(perr) && writeChoice(choice, dir, perr) == nil {
		remembered = fmt.Sprintf("; remembered in %s, delete it to try the keyring again", choice)
	}
	fmt.Fprintf(notice, "oauthx: no OS keyring (%s); storing sessions in %s%s\n", oneLine(perr.Error()), dir, remembered)
	return f, nil
}

// remember reports whether a failed probe is worth remembering: not a
// timeout or a cancellation, after which the keyring may well answer.
func remember(perr error) bool {
	return !errors.Is(perr, ErrKeyringTimeout) && !errors.Is(perr, context.DeadlineExceeded) && !errors.Is(perr, context.Canceled)
}

// choiceFiles is the first line of a choice file that says "files".
const choiceFiles = "file"

// rememberedFiles reports whether the choice file says to use files.
func rememberedFiles(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	return strings.TrimSpace(line) == choiceFiles
}

// writeChoice writes the choice file as the file store writes a session
// (writeFileAtomic: a synced temporary file renamed over it, mode 0600).
func writeChoice(path, dir string, perr error) error {
	body := choiceFiles + "\n" +
		"# Written by oauthx (tokenstore.OpenDefault) when no OS keyring answered: " + oneLine(perr.Error()) + "\n" +
		"# Sessions are stored in " + dir + ".\n" +
		"# Delete this file to make the next run try the OS keyring again.\n"
	return writeFileAtomic(path, []byte(body))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
