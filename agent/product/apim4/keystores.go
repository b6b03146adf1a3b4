package apim4

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/boundedread"
	"github.com/wso2-container/agent/keystore"
	"github.com/wso2-container/agent/tomlconf"
)

// checkKeystores opens each keystore ([keystore.primary], .tls,
// .internal of the deployment.toml the setup leaves, doc) that the
// operator configured through a variable — WSO2_KEYSTORE_PASSWORD or one
// of its own WSO2_KEYSTORE_<NAME>_* — as the server will: the file (from a
// volume, else the home's security folder) must exist, open with its
// password, and hold the private key under its alias, which must decrypt
// with its key password. A key the table leaves out is the one the server
// reads (keystoreDefaults): [keystore.primary]'s, else the product default;
// a key_password left out is never the table's password. A server
// given any of these wrong fails at start with a Java stack trace; here
// the error names the table and the variables, never a value: exit 66 for
// a missing file, 65 for the rest. A keystore the agent cannot read but
// Java may (unchecked) is a warning, not a refusal. A keystore no variable touches is the
// image's business and is not read; a value that holds a placeholder
// (isPlaceholder: $secret{...}, $env{...}) is the server's to resolve and
// ends the check of that keystore.
//
// The check costs a key derivation per keystore (PBKDF2: about 8 ms of CPU
// each for 4.5's stores), so a start that leaves deployment.toml as it is
// (tomlChanged false: a restart) skips each keystore that is not newer
// than the file: it was checked when the file was written, and a keystore
// replaced since (a rotated secret) is newer. Newer is by the keystore's
// change time as well as its modification time, so that one copied in
// with its old modification time kept (cp -p, rsync -t) is checked too.
func checkKeystores(doc *tomlconf.Doc, env *Env, home string, overlay map[string]*volumeFile, tomlChanged bool) (warnings []string, err error) {
	var tomlTime time.Time
	if !tomlChanged {
		if st, err := os.Stat(filepath.Join(home, DeploymentTOML)); err == nil {
			tomlTime = st.ModTime()
		}
	}
	_, common := env.get("WSO2_KEYSTORE_PASSWORD")
	for _, ks := range []string{"PRIMARY", "TLS", "INTERNAL"} {
		var named []string
		for _, suffix := range []string{"NAME", "ALIAS", "PASSWORD", "KEY_PASSWORD"} {
			if _, ok := env.get("WSO2_KEYSTORE_" + ks + "_" + suffix); ok {
				named = append(named, "WSO2_KEYSTORE_"+ks+"_"+suffix)
			}
		}
		if len(named) == 0 && !common {
			continue
		}
		if common {
			named = append(named, "WSO2_KEYSTORE_PASSWORD")
		}
		table := strings.ToLower(ks)
		if _, ok := doc.Get(tomlconf.Key{"keystore", table}); !ok {
			continue // the server's defaults, which no variable touched
		}
		// get is the value the server reads for key: the table's own,
		// else (for .tls and .internal) [keystore.primary]'s, else the
		// product's default (keystoreDefaults); ok is false for a
		// placeholder, the server's to resolve.
		get := func(key string) (string, bool) {
			for _, t := range []string{table, "primary"} {
				v, present := doc.Get(tomlconf.Key{"keystore", t, key})
				if present {
					s, isString := v.(string)
					return s, isString && !isPlaceholder(s)
				}
			}
			d, ok := keystoreDefaults[key]
			return d, ok
		}
		file, okFile := get("file_name")
		password, okPW := get("password")
		if !okFile || !okPW {
			continue
		}
		where := fmt.Sprintf("[keystore.%s] (%s)", table, strings.Join(named, ", "))
		rel := filepath.Join("repository", "resources", "security", filepath.FromSlash(file))
		src := filepath.Join(home, rel)
		vol, inVolume := overlay[rel]
		if inVolume {
			src = vol.src
		}
		if st, err := os.Stat(src); err == nil && !tomlTime.IsZero() && !changedAt(st).After(tomlTime) {
			continue // checked when deployment.toml was written
		}
		var data []byte
		if inVolume {
			data = vol.data
		} else {
			var err error
			if data, err = boundedread.ReadFile(src, boundedread.Keystore); err != nil {
				return warnings, exitcode.Errorf(exitcode.NoInput, "%s: keystore %s: %s", where, rel, contract.DescribeFSError(err))
			}
		}
		st, err := keystore.Load(data, password)
		switch {
		case errors.Is(err, keystore.ErrWrongPassword):
			return warnings, exitcode.Errorf(exitcode.DataErr, "%s: keystore %s does not open with its password", where, rel)
		case unchecked(err):
			warnings = append(warnings, fmt.Sprintf("%s: keystore %s not checked: %v", where, rel, err))
			continue
		case err != nil:
			return warnings, exitcode.Errorf(exitcode.DataErr, "%s: keystore %s: %v", where, rel, err)
		}
		alias, okAlias := get("alias")
		if !okAlias {
			continue
		}
		keyPW, okKeyPW := get("key_password")
		if !okKeyPW {
			continue // a placeholder
		}
		_, _, err = st.PrivateKey(alias, keyPW)
		switch {
		case unchecked(err):
			warnings = append(warnings, fmt.Sprintf("%s: the private key %q of keystore %s not checked: %v", where, alias, rel, err))
		case errors.Is(err, keystore.ErrNotFound):
			var keys []string
			for _, e := range st.Entries() {
				if !e.Trusted {
					keys = append(keys, e.Alias)
				}
			}
			sort.Strings(keys)
			return warnings, exitcode.Errorf(exitcode.DataErr, "%s: keystore %s has no private key %q (its private keys: %s)", where, rel, alias, orNone(keys))
		case errors.Is(err, keystore.ErrWrongPassword):
			return warnings, exitcode.Errorf(exitcode.DataErr, "%s: the private key %q of keystore %s does not open with its key password (key_password, else [keystore.primary] key_password, else wso2carbon: the server does not use the password for it)", where, alias, rel)
		case err != nil:
			return warnings, exitcode.Errorf(exitcode.DataErr, "%s: keystore %s: %v", where, rel, err)
		}
	}
	return warnings, nil
}

// keystoreDefaults are the values the server gives a [keystore.primary]
// key that deployment.toml leaves out (carbon-kernel's
// repository/resources/conf/default.json, 4.8 and 4.9 alike);
// [keystore.tls] and [keystore.internal] take a key they leave out from
// [keystore.primary] ($ref{keystore.primary.*}). A variable that sets one
// key of a table the stock file lacks (WSO2_KEYSTORE_PRIMARY_ALIAS on a 4.5
// pack, whose [keystore.primary] is commented out) leaves the others to
// these.
//
// key_password too: a table that sets password and leaves key_password out
// does not get its password for the key, but wso2carbon.
var keystoreDefaults = map[string]string{"file_name": "wso2carbon.jks", "password": "wso2carbon", "alias": "wso2carbon", "key_password": "wso2carbon"}

// unchecked reports whether err says the agent cannot read what Java may
// (a JCEKS store, a PBMAC1 MAC, a JKS password above U+00FF, a mixed-case
// JKS alias): the keystore is then left to the server, with a warning,
// rather than refused.
func unchecked(err error) bool {
	return errors.Is(err, keystore.ErrUnsupported) || errors.Is(err, keystore.ErrPassword)
}

// orNone joins names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// changedAt is the later of fi's modification and change times: a file
// given an old modification time (cp -p) still has the change time of
// when it was written, which nobody can set back.
func changedAt(fi os.FileInfo) time.Time {
	t := fi.ModTime()
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		if c := time.Unix(sys.Ctim.Unix()); c.After(t) {
			return c
		}
	}
	return t
}

// isPlaceholder reports whether a value of deployment.toml holds one of
// the placeholders that the server resolves at start
// (tomlconf.PlaceholderPrefixes: $env{...}, $sys{...}, $secret{...},
// $ref{...}; and Carbon's ${...} tokens): its value is then the server's
// to know. Any other $ is a character of the value (a password "pa$$" is
// that password).
func isPlaceholder(s string) bool {
	if strings.Contains(s, "${") {
		return true
	}
	for _, p := range tomlconf.PlaceholderPrefixes {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
