package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/atomicfile"
	"github.com/wso2-container/agent/keystore"
)

// Generation defaults.
const (
	// DefaultDays is the validity of generated certificates: 825 days
	// (about 27 months), the longest lifetime browsers accepted for TLS
	// server certificates until 2020. Long enough not to expire between
	// upgrades, short enough that a leaked key does not stay trusted for the
	// old scripts' 50 to 100 years.
	DefaultDays = 825
	DefaultKey  = "rsa2048"
	MaxDays     = 36500
)

// KeyTypes are the accepted GenerateOptions.Key values.
var KeyTypes = []string{"rsa2048", "rsa4096", "ecdsa-p256"}

// GenerateOptions configures Generate.
type GenerateOptions struct {
	Out        string   // output folder; created (0755) when missing
	Components []string // the components to make, at least one
	Domain     string   // DNS domain of the services; "" for bare names
	Days       int      // validity in days, 1 to MaxDays; 0 means DefaultDays
	Key        string   // one of KeyTypes; "" means DefaultKey
	Password   string   // store and key password (WSO2_KEYSTORE_PASSWORD)
	// PasswordName is where Password came from, named in its errors
	// ("WSO2_KEYSTORE_PASSWORD_FILE"); "" means "keystore password".
	PasswordName string
	Force        bool      // replace existing files
	Now          time.Time // zero means time.Now()
	// Done, when closed, stops the generation before anything is
	// written (ErrStopped); a key being generated is finished first.
	Done <-chan struct{}
}

// ErrStopped: Generate was stopped (GenerateOptions.Done) before it wrote
// anything.
var ErrStopped = errors.New("stopped before writing anything")

// GenerateResult lists the files Generate wrote and those it kept.
type GenerateResult struct {
	Written []string
	Kept    []string
}

// Generate writes, for every component, Out/wso2<name>.jks (one private key
// entry under the alias wso2<name>cert, store and key protected by
// Password) and Out/wso2<name>.pem (its certificate, PEM). The certificate
// is self-signed with subject CN=<name>.<domain> (CN=<name> when Domain is
// empty) and subjectAltName DNS entries <name>.<domain> and <name>; it is
// valid from an hour before Now (clock skew between hosts) for Days days,
// for TLS server and client authentication. tasks.<name> is deliberately not
// included: those names are for finding cluster members in DNS, and nothing
// connects to them over TLS.
//
// Existing files are kept unless Force: a component whose two files exist is
// left alone; if only its .jks exists, the .pem is exported from it; if only
// its .pem exists, Generate fails (the key is lost, use Force). Keys are
// generated in parallel, every file is staged first and committed at the
// end, so a failure leaves the folder as it was.
//
// Errors: exitcode.Usage for bad options, exitcode.Config for an unusable
// password, exitcode.DataErr for an existing keystore that does not open,
// exitcode.NoInput for a .pem without its .jks, exitcode.IOErr for writes.
func Generate(opts GenerateOptions) (*GenerateResult, error) {
	if err := normalize(&opts); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("create output folder: %w", err))
	}
	type job struct {
		name     string
		jks, pem string
		exportOK bool // .jks exists: export the .pem from it
		jksData  []byte
		pemData  []byte
		err      error
	}
	res := &GenerateResult{}
	var jobs []*job
	for _, name := range opts.Components {
		j := &job{name: name, jks: filepath.Join(opts.Out, KeystoreFile(name)), pem: filepath.Join(opts.Out, PEMFile(name))}
		hasJKS, err := exists(j.jks)
		if err != nil {
			return nil, err
		}
		hasPEM, err := exists(j.pem)
		if err != nil {
			return nil, err
		}
		switch {
		case opts.Force:
		case hasJKS && hasPEM:
			res.Kept = append(res.Kept, j.jks, j.pem)
			continue
		case hasJKS:
			j.exportOK = true
			res.Kept = append(res.Kept, j.jks)
		case hasPEM:
			return nil, exitcode.Errorf(exitcode.NoInput, "generate %s: %s exists but %s does not: its key is lost; use --force to generate both anew", name, j.pem, j.jks)
		}
		jobs = append(jobs, j)
	}

	// Key generation dominates; spread it over the CPUs.
	work := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if stopped(opts.Done) {
					j.err = ErrStopped
					continue
				}
				if j.exportOK {
					j.pemData, j.err = exportPEM(j.jks, KeyAlias(j.name), opts.Password)
					continue
				}
				j.jksData, j.pemData, j.err = generateOne(j.name, opts)
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	if stopped(opts.Done) {
		return nil, ErrStopped
	}
	for _, j := range jobs {
		if j.err != nil {
			return nil, j.err
		}
	}

	var staged []*atomicfile.Staged
	abort := func() {
		for _, s := range staged {
			s.Abort()
		}
	}
	stage := func(path string, data []byte, perm fs.FileMode) error {
		s, err := atomicfile.Stage(path, data, perm)
		if err != nil {
			return exitcode.Wrap(exitcode.IOErr, fmt.Errorf("generate: %w", err))
		}
		staged = append(staged, s)
		return nil
	}
	for _, j := range jobs {
		if j.jksData != nil {
			// The .jks holds a private key: readable by owner and group only.
			if err := stage(j.jks, j.jksData, 0o640); err != nil {
				abort()
				return nil, err
			}
		}
		if err := stage(j.pem, j.pemData, 0o644); err != nil {
			abort()
			return nil, err
		}
	}
	for i, s := range staged {
		if err := s.Commit(); err != nil {
			for _, rest := range staged[i+1:] {
				rest.Abort()
			}
			return res, exitcode.Wrap(exitcode.IOErr, fmt.Errorf("generate: %w", err))
		}
		res.Written = append(res.Written, s.Path())
	}
	return res, nil
}

// stopped reports whether done (nil: never) is closed.
func stopped(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

func normalize(o *GenerateOptions) error {
	usage := func(format string, a ...any) error {
		return exitcode.Wrap(exitcode.Usage, fmt.Errorf("generate certificates: "+format, a...))
	}
	if o.Out == "" {
		return usage("no output folder (--out)")
	}
	if len(o.Components) == 0 {
		return usage("no components (--components)")
	}
	seen := map[string]bool{}
	for _, c := range o.Components {
		if err := CheckComponent(c); err != nil {
			return usage("%v", err)
		}
		if seen[c] {
			return usage("component %q named twice", c)
		}
		seen[c] = true
	}
	if o.Domain != "" {
		if err := checkDomain(o.Domain); err != nil {
			return usage("%v", err)
		}
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Days < 1 || o.Days > MaxDays {
		return usage("days %d: must be 1 to %d", o.Days, MaxDays)
	}
	if o.Key == "" {
		o.Key = DefaultKey
	}
	if !validKey(o.Key) {
		return usage("key %q: must be one of %s", o.Key, strings.Join(KeyTypes, ", "))
	}
	pwName := o.PasswordName
	if pwName == "" {
		pwName = "keystore password"
	}
	if _, err := keystore.JavaPassword(o.Password); err != nil {
		return exitcode.Wrap(exitcode.Config, fmt.Errorf("generate certificates: %s: %w", pwName, err))
	}
	if len(o.Password) < 6 {
		return exitcode.Errorf(exitcode.Config, "generate certificates: %s: must be at least 6 characters (keytool refuses shorter ones)", pwName)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return nil
}

func validKey(k string) bool {
	for _, t := range KeyTypes {
		if k == t {
			return true
		}
	}
	return false
}

// checkDomain accepts dot-separated DNS labels of letters, digits and '-'.
func checkDomain(d string) error {
	if len(d) > 200 {
		return fmt.Errorf("domain %q: too long", d)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("domain %q: not a DNS name", d)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("domain %q: not a DNS name", d)
			}
		}
	}
	return nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, exitcode.Wrap(exitcode.NoInput, fmt.Errorf("generate: %w", err))
}

// HostNames returns the subjectAltName DNS names of a component's
// certificate: <name>.<domain> and <name> (only <name> without a domain).
func HostNames(name, domain string) []string {
	if domain == "" {
		return []string{name}
	}
	return []string{name + "." + domain, name}
}

func newKey(kind string) (crypto.Signer, error) {
	switch kind {
	case "rsa4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ecdsa-p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return rsa.GenerateKey(rand.Reader, 2048)
}

// generateOne makes the key pair, certificate, keystore and PEM of one
// component.
func generateOne(name string, o GenerateOptions) (jksData, pemData []byte, err error) {
	key, err := newKey(o.Key)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("generate key for %s: %w", name, err))
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("generate serial for %s: %w", name, err))
	}
	hosts := HostNames(name, o.Domain)
	start := o.Now.Add(-time.Hour).Truncate(time.Second)
	usage := x509.KeyUsageDigitalSignature
	if _, ok := key.(*rsa.PrivateKey); ok {
		usage |= x509.KeyUsageKeyEncipherment
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)), // never zero
		Subject:      pkix.Name{CommonName: hosts[0]},
		DNSNames:     hosts,
		NotBefore:    start,
		NotAfter:     o.Now.Add(time.Duration(o.Days) * 24 * time.Hour).Truncate(time.Second),
		KeyUsage:     usage,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("create certificate for %s: %w", name, err))
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("encode key for %s: %w", name, err))
	}
	st := keystore.New()
	if err := st.SetPrivateKey(KeyAlias(name), pkcs8, [][]byte{der}, o.Password, o.Now); err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("keystore for %s: %w", name, err))
	}
	jksData, err = st.Marshal(o.Password)
	if err != nil {
		return nil, nil, exitcode.Wrap(exitcode.Software, fmt.Errorf("keystore for %s: %w", name, err))
	}
	return jksData, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// exportPEM returns the certificate of the key entry alias of an existing
// keystore, PEM-encoded.
func exportPEM(path, alias, password string) ([]byte, error) {
	_, st, err := OpenStore(path, password, "keystore")
	if err != nil {
		return nil, err
	}
	e, ok := st.Entry(alias)
	if !ok || len(e.DER) == 0 {
		return nil, exitcode.Errorf(exitcode.DataErr, "export certificate from %s: no entry %q", path, alias)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: e.DER}), nil
}
