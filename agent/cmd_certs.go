package agent

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/keystore"
)

var (
	certsDoc = cmdDoc{name: "certs", synopsis: "agent certs generate|list [flags]", about: `certs generate  the per-component keystores and PEM certificates a cluster shares
certs list      the entries of a keystore or truststore (JKS or PKCS12)
agent certs generate --help and agent certs list --help explain each.`}
	certsGenerateDoc = cmdDoc{name: "certs generate", synopsis: "agent certs generate --out DIR [--components a,b,...] [--domain wso2] [--days N] [--key TYPE] [--force]", about: `Writes wso2<name>.jks (a key pair, alias wso2<name>cert) and wso2<name>.pem
for each component. The keystore password comes from WSO2_KEYSTORE_PASSWORD
or WSO2_KEYSTORE_PASSWORD_FILE (default wso2carbon). Existing files are kept
unless --force.`}
	certsListDoc = cmdDoc{name: "certs list", synopsis: "agent certs list [--password-file F | --password P | --password-env NAME] FILE", about: `Lists the entries of a JKS or PKCS12 keystore or truststore: alias, type,
SHA-256 fingerprint, expiry and subject.
The password: --password-file F, --password P (visible to other local users:
prefer the file) or --password-env NAME ($NAME or ${NAME}_FILE); otherwise,
for a file whose name contains "truststore" (client-truststore.jks),
WSO2_TRUSTSTORE_PASSWORD, and for any other file (wso2carbon.jks, the
wso2<name>.jks of certs generate) WSO2_KEYSTORE_PASSWORD, or their _FILE
forms; unset, wso2carbon (WSO2's default for both).`}
)

// cmdCerts runs `agent certs generate|list`. It reads the process
// environment once, here, and its subcommands ask that (Config.Getenv)
// for their password variables. It does not Load: the certificates job
// and an operator's `certs list` read a password or two, and a variable of
// the setup's contract that is bad, or a secret file that is not mounted
// in that container, is none of their business.
func cmdCerts(ctx context.Context, args []string, io IO) int {
	if len(args) == 0 {
		return usageError(io.named("certs"), certsDoc, "missing the subcommand: generate or list")
	}
	env := (&contract.Config{}).WithEnviron(os.Environ())
	switch args[0] {
	case "generate":
		return certsGenerate(ctx, env, args[1:], io.named(certsGenerateDoc.name))
	case "list":
		return certsList(env, args[1:], io.named(certsListDoc.name))
	case "help":
		if len(args) > 1 {
			return cmdCerts(context.Background(), []string{args[1], "--help"}, io)
		}
		printHelp(io.Stdout, certsDoc, nil)
		return exitcode.OK
	}
	if isHelpArg(args[0]) {
		printHelp(io.Stdout, certsDoc, nil)
		return exitcode.OK
	}
	return usageError(io, certsDoc, "unknown subcommand %q (want generate or list)", args[0])
}

// certsComponents are the components `agent certs generate` makes by
// default, in the order of the old certificates container it replaces: the
// components of the Carbon 4.4 profiles of a distributed deployment (all
// but the all-in-one apim; TestCertsComponentsAreProfiles).
var certsComponents = []string{"store", "gatewaymanager", "gateway", "keymanager", "publisher", "trafficmanager", "das", "identityserver"}

// contractDefault is the default of variable name in the contract (Vars).
func contractDefault(name string) string {
	for _, v := range contract.Vars() {
		if v.Name == name {
			return v.Default
		}
	}
	return ""
}

// certsGenerate is `agent certs generate`; the keystore password is
// env's WSO2_KEYSTORE_PASSWORD (see certsSecret).
func certsGenerate(ctx context.Context, env *contract.Config, args []string, io IO) int {
	fs := newFlags(certsGenerateDoc)
	out := fs.String("out", "", "output `DIR` (required)")
	comps := fs.String("components", strings.Join(certsComponents, ","), "comma-separated component names")
	domain := fs.String("domain", contractDefault("WSO2_DOMAIN"), "DNS domain of the services (empty: bare names; default: WSO2_DOMAIN's)")
	days := fs.Int("days", certs.DefaultDays, "validity in days")
	key := fs.String("key", certs.DefaultKey, "key `TYPE`: "+strings.Join(certs.KeyTypes, ", "))
	force := fs.Bool("force", false, "replace existing files")
	pos, code, done := parseFlags(fs, certsGenerateDoc, args, io)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(io, certsGenerateDoc, "unexpected argument %q", pos[0])
	}
	if *out == "" {
		return usageError(io, certsGenerateDoc, "--out DIR is required")
	}
	var names []string
	for _, c := range strings.Split(*comps, ",") {
		if c = strings.TrimSpace(c); c != "" {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		return usageError(io, certsGenerateDoc, "--components is empty")
	}
	if *days < 1 || *days > certs.MaxDays {
		return usageError(io, certsGenerateDoc, "--days %d: must be 1 to %d", *days, certs.MaxDays)
	}
	pw, err := certsSecret(env, "WSO2_KEYSTORE_PASSWORD", false)
	if err != nil {
		return fail(io, err)
	}
	pwName := "WSO2_KEYSTORE_PASSWORD"
	if _, ok := env.Getenv(pwName + "_FILE"); ok {
		pwName += "_FILE"
	}
	pipeline.RegisterLogSecret(pw)
	// As PID 1, a TERM or INT (a deleted Job, Ctrl-C) stops it before it
	// writes anything: the keys being generated are finished, the rest
	// skipped. Any other process dies of it (stopOnSignal), at once.
	ctx, stopped, release := stopOnSignal(ctx)
	defer release()
	start := time.Now()
	io.Log.Info("generating certificates", "out", *out, "components", len(names), "key", *key)
	res, err := certs.Generate(certs.GenerateOptions{
		Out: *out, Components: names, Domain: *domain, Days: *days, Key: *key, Password: pw, PasswordName: pwName, Force: *force,
		Done: ctx.Done(),
	})
	if err != nil {
		if sig := stopped(); sig != 0 {
			return fail(io, stoppedError(sig, err))
		}
		return fail(io, err)
	}
	for _, k := range res.Kept {
		io.Log.Info("kept existing file (use --force to replace)", "file", k)
	}
	for _, w := range res.Written {
		io.Log.Info("wrote", "file", w)
	}
	io.Log.Info("certificates generated", "written", len(res.Written), "kept", len(res.Kept), "key", *key, "days", *days, "elapsed", time.Since(start).Round(time.Millisecond))
	return exitcode.OK
}

// listPasswordVar is the variable whose password `certs list` uses for a
// file by default: the truststore's for a file whose name says truststore,
// the keystore's for any other.
func listPasswordVar(path string) string {
	if strings.Contains(strings.ToLower(filepath.Base(path)), "truststore") {
		return "WSO2_TRUSTSTORE_PASSWORD"
	}
	return "WSO2_KEYSTORE_PASSWORD"
}

// certsList is `agent certs list`; a password not given by a flag is a
// variable of env (see certsSecret).
func certsList(env *contract.Config, args []string, io IO) int {
	fs := newFlags(certsListDoc)
	pwEnv := fs.String("password-env", "", "environment variable `NAME` holding the password (or NAME_FILE a file with it)")
	pwFile := fs.String("password-file", "", "`FILE` holding the password (one trailing newline ignored)")
	pwFlag := fs.String("password", "", "the `PASSWORD` itself (other local users can see it: prefer --password-file)")
	pos, code, done := parseFlags(fs, certsListDoc, args, io)
	if done {
		return code
	}
	if len(pos) != 1 {
		return usageError(io, certsListDoc, "want exactly one keystore file, got %d arguments", len(pos))
	}
	given := 0
	fs.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "password") {
			given++
		}
	})
	if given > 1 {
		return usageError(io, certsListDoc, "--password, --password-file and --password-env exclude each other")
	}
	path := pos[0]
	var (
		pw   string
		hint string // what to set when the password is wrong
		err  error
	)
	switch {
	case *pwFile != "":
		hint = "the password in --password-file " + *pwFile + " does not open it"
		pw, err = readSecretFile(*pwFile, "--password-file")
	case isSet(fs, "password"):
		hint = "the --password given does not open it"
		pw = *pwFlag
	case *pwEnv != "":
		hint = fmt.Sprintf("the password in %s (--password-env) does not open it", *pwEnv)
		pw, err = certsSecret(env, *pwEnv, true)
	default:
		name := listPasswordVar(path)
		pw, err = certsSecret(env, name, false)
		_, set := env.Getenv(name)
		_, setFile := env.Getenv(name + "_FILE")
		switch {
		case set:
			hint = fmt.Sprintf("the password in %s does not open it: correct it, or pass --password-file FILE", name)
		case setFile:
			hint = fmt.Sprintf("the password in %s_FILE does not open it: correct it, or pass --password-file FILE", name)
		default:
			hint = fmt.Sprintf("%s is unset, so WSO2's default was tried: set %s (or %s_FILE) or pass --password-file FILE", name, name, name)
		}
	}
	if err != nil {
		return fail(io, err)
	}
	pipeline.RegisterLogSecret(pw)
	_, st, err := certs.OpenStore(path, pw, "keystore")
	if err == nil && !st.HasMAC() {
		err = checkKeysOpen(path, st, pw)
	}
	if errors.Is(err, keystore.ErrWrongPassword) || errors.Is(err, keystore.ErrPassword) {
		err = exitcode.Wrap(exitcode.Of(err), fmt.Errorf("%w: %s", err, hint))
	}
	if err != nil {
		return fail(io, err)
	}
	certsPrintEntries(io.Stdout, st.Entries(), time.Now())
	return exitcode.OK
}

// checkKeysOpen is the password check of a PKCS12 store without an
// integrity MAC (API Manager 4.5's), which opens with any password: each
// private key must decrypt with pw, the only part of the store the
// password protects. A store with no private key (a truststore) has
// nothing to check, as in Java; nor has a key the agent cannot decrypt
// for another reason (a cipher it does not implement), which says nothing
// of the password, so the store is listed as before.
func checkKeysOpen(path string, st *keystore.Store, pw string) error {
	for _, e := range st.Entries() {
		if e.Trusted {
			continue
		}
		if _, _, err := st.PrivateKey(e.Alias, pw); errors.Is(err, keystore.ErrWrongPassword) {
			return exitcode.Wrap(exitcode.DataErr, fmt.Errorf("load keystore %s: %w (the store has no integrity MAC: only its private keys tell a wrong password)", path, err))
		}
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// certsPrintEntries prints one aligned line per entry.
func certsPrintEntries(w io.Writer, entries []keystore.Entry, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ALIAS\tTYPE\tSHA-256\tEXPIRES\tSUBJECT")
	for _, e := range entries {
		typ := "trustedCertEntry"
		if !e.Trusted {
			typ = "PrivateKeyEntry"
		}
		exp := "-"
		if !e.NotAfter.IsZero() {
			exp = e.NotAfter.UTC().Format("2006-01-02")
			if now.After(e.NotAfter) {
				exp += " (expired)"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Alias, typ, e.SHA256, exp, e.Subject)
	}
	tw.Flush()
}

// certsSecret returns the value of the secret variable name of env, or the
// content of the file named by name_FILE (one trailing newline removed).
// Both set, or the variable set but empty, is an error (78). Unset: an
// error when required, else the default wso2carbon.
func certsSecret(env *contract.Config, name string, required bool) (string, error) {
	v, ok := env.Getenv(name)
	path, okFile := env.Getenv(name + "_FILE")
	switch {
	case ok && okFile:
		return "", exitcode.Errorf(exitcode.Config, "%s and %s_FILE are both set: use one", name, name)
	case ok && v == "":
		return "", exitcode.Errorf(exitcode.Config, "%s is set but empty", name)
	case ok:
		return v, nil
	case okFile:
		return readSecretFile(path, name+"_FILE")
	case required:
		return "", exitcode.Errorf(exitcode.Config, "%s is not set (nor %s_FILE)", name, name)
	}
	return "wso2carbon", nil
}

// readSecretFile returns the password held in the file path (one trailing
// newline removed), naming what in its errors (a variable or a flag).
func readSecretFile(path, what string) (string, error) {
	b, err := boundedread.ReadFile(path, boundedread.Secret)
	if err != nil {
		return "", exitcode.Errorf(exitcode.Config, "%s: %v", what, err)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return "", exitcode.Errorf(exitcode.Config, "%s: %s holds a NUL byte, which no password can contain", what, path)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}
