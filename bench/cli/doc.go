// Command cli measures `oauthx token NAME` beside a minimal
// golang.org/x/oauth2 program reading a token file (./baseline): wall time,
// CPU time (user + system) and peak memory (max RSS) of each process, medians over -n alternating
// runs, and their ratios. It is a module of its own so that the
// comparison program never enters the library's go.mod;
// ./scripts/bench.sh builds both binaries and runs it.
//
//	go run . -oauthx BIN -baseline BIN [-n 40]
//
// The session is saved through tokenstore.File in the file store the CLI's
// default store falls back to; oauthx runs with the default store on a
// machine without a D-Bus session (HOME, XDG_CONFIG_HOME and
// XDG_RUNTIME_DIR are fresh temporary directories, DBUS_SESSION_BUS_ADDRESS
// is unset), so it uses the remembered file fallback without probing.
package main
