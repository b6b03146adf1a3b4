package agent

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wso2-container/agent/agent/certs"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/keystore"
)

const certsUsageText = `usage:
  agent certs generate --out DIR [--components a,b,...] [--domain wso2] [--days N]
                       [--key rsa2048|rsa4096|ecdsa-p256] [--force]
      writes wso2<name>.jks (key pair, alias wso2<name>cert) and wso2<name>.pem
      for each component; password from WSO2_KEYSTORE_PASSWORD or
      WSO2_KEYSTORE_PASSWORD_FILE (default wso2carbon). Existing files are kept
      unless --force.
  agent certs list [--password-env NAME] FILE
      lists the entries of a JKS keystore: alias, type, SHA-256, expiry,
      subject; password from $NAME or ${NAME}_FILE (NAME defaults to
      WSO2_TRUSTSTORE_PASSWORD; unset: wso2carbon).
`

// cmdCerts runs `agent certs generate|list`.
func cmdCerts(_ context.Context, args []string, io IO) int {
	if len(args) == 0 {
		fmt.Fprint(io.Stderr, certsUsageText)
		return exitcode.Usage
	}
	switch args[0] {
	case "generate":
		return certsGenerate(args[1:], io)
	case "list":
		return certsList(args[1:], io)
	case "help", "-h", "--help":
		fmt.Fprint(io.Stdout, certsUsageText)
		return exitcode.OK
	}
	fmt.Fprintf(io.Stderr, "agent certs: unknown subcommand %q\n%s", args[0], certsUsageText)
	return exitcode.Usage
}

// certsFlags returns a flag set that reports errors on io.Stderr.
func certsFlags(name string, io IO) *flag.FlagSet {
	fs := flag.NewFlagSet("agent certs "+name, flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, certsUsageText) }
	return fs
}

// certsParse parses args; it returns -1 to continue, or the exit code.
func certsParse(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.OK
		}
		return exitcode.Usage
	}
	return -1
}

func certsGenerate(args []string, io IO) int {
	fs := certsFlags("generate", io)
	out := fs.String("out", "", "output folder (required)")
	comps := fs.String("components", strings.Join(certs.DefaultComponents, ","), "comma-separated component names")
	domain := fs.String("domain", certs.DefaultDomain, "DNS domain of the services (empty: bare names)")
	days := fs.Int("days", certs.DefaultDays, "validity in days")
	key := fs.String("key", certs.DefaultKey, "key type: "+strings.Join(certs.KeyTypes, ", "))
	force := fs.Bool("force", false, "replace existing files")
	if rc := certsParse(fs, args); rc >= 0 {
		return rc
	}
	if fs.NArg() > 0 {
		return fail(io, exitcode.Errorf(exitcode.Usage, "certs generate: unexpected argument %q", fs.Arg(0)))
	}
	if *out == "" {
		return fail(io, exitcode.Errorf(exitcode.Usage, "certs generate: --out DIR is required"))
	}
	var names []string
	for _, c := range strings.Split(*comps, ",") {
		if c = strings.TrimSpace(c); c != "" {
			names = append(names, c)
		}
	}
	if len(names) == 0 {
		return fail(io, exitcode.Errorf(exitcode.Usage, "certs generate: --components is empty"))
	}
	pw, err := certsSecret("WSO2_KEYSTORE_PASSWORD", false)
	if err != nil {
		return fail(io, err)
	}
	start := time.Now()
	res, err := certs.Generate(certs.GenerateOptions{
		Out: *out, Components: names, Domain: *domain, Days: *days, Key: *key, Password: pw, Force: *force,
	})
	if err != nil {
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

func certsList(args []string, io IO) int {
	fs := certsFlags("list", io)
	pwEnv := fs.String("password-env", "", "environment variable holding the password (default WSO2_TRUSTSTORE_PASSWORD)")
	if rc := certsParse(fs, args); rc >= 0 {
		return rc
	}
	if fs.NArg() != 1 {
		return fail(io, exitcode.Errorf(exitcode.Usage, "certs list: want exactly one keystore file, got %d arguments", fs.NArg()))
	}
	name, explicit := *pwEnv, true
	if name == "" {
		name, explicit = "WSO2_TRUSTSTORE_PASSWORD", false
	}
	pw, err := certsSecret(name, explicit)
	if err != nil {
		return fail(io, err)
	}
	_, st, err := certs.OpenStore(fs.Arg(0), pw, "keystore")
	if err != nil {
		return fail(io, err)
	}
	certsPrintEntries(io.Stdout, st.Entries(), time.Now())
	return exitcode.OK
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

// certsSecret returns the value of the secret variable name, or the content
// of the file named by name_FILE (one trailing newline removed). Both set is
// an error. Unset: an error when required, else the default wso2carbon.
func certsSecret(name string, required bool) (string, error) {
	v, ok := os.LookupEnv(name)
	path, okFile := os.LookupEnv(name + "_FILE")
	switch {
	case ok && okFile:
		return "", exitcode.Errorf(exitcode.Config, "%s and %s_FILE are both set: use one", name, name)
	case ok:
		return v, nil
	case okFile:
		b, err := boundedread.ReadFile(path, boundedread.Secret)
		if err != nil {
			return "", exitcode.Errorf(exitcode.Config, "%s_FILE: %v", name, err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			return "", exitcode.Errorf(exitcode.Config, "%s_FILE: %s holds a NUL byte, which no password can contain", name, path)
		}
		s := strings.TrimSuffix(string(b), "\n")
		return strings.TrimSuffix(s, "\r"), nil
	case required:
		return "", exitcode.Errorf(exitcode.Config, "%s is not set (nor %s_FILE)", name, name)
	}
	return "wso2carbon", nil
}
