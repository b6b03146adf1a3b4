// Package certs is the WSO2 side of certificates: which files of the shared
// certificates folder become which truststore aliases, the import plan, the
// component's own keystore, and the generation of a cluster's keystores
// (`agent certs generate`).
//
// Rules (the README's "Certificates" section says the same):
//
//   - Certificate files are the regular files (symbolic links followed) of
//     WSO2_CERTIFICATES_DIR whose name ends in .pem, .crt, .cer or .der (any
//     case). Names starting with "." are skipped (Kubernetes' ..data links);
//     keystores and keys (.jks, .p12, .pfx, .key) are skipped silently; any
//     other file is skipped with a warning.
//   - The content decides the encoding, not the extension: PEM with one or
//     many CERTIFICATE blocks, or DER (one or several certificates). The old
//     `keytool -export` wrote DER into the .pem files, and that still works.
//   - Alias rule (AliasFor): the file name without its extension, lowercased,
//     with "cert" appended unless it already ends in "cert":
//     wso2gateway.pem → wso2gatewaycert, ca.crt → cacert. The second,
//     third … certificate of a multi-certificate file get "-2", "-3" …
//     appended (wso2gatewaycert-2). Two files that give the same alias are
//     an error.
//   - A certificate already in the truststore under its alias is left alone
//     (nothing is written); a different certificate under the alias is
//     replaced (rotation); entries under other aliases — WSO2's own CA
//     entries, anything an operator added — are never touched or removed.
//   - An expired (or not yet valid) certificate is imported with a warning:
//     refusing it would stop the whole cluster from starting, while the
//     TLS handshake that depends on it fails anyway and the warning says why.
//   - A missing certificates folder means nothing to import (a warning); an
//     empty one means nothing to import (no warning). In both cases the
//     truststore is not read.
//   - A truststore is JKS or PKCS12 (newer Carbon kernels, whatever the
//     file's name), told apart by content, and keeps its format: a PKCS12
//     store is edited as PKCS12, every other entry and alias kept; the
//     agent never converts a store.
//
// It knows WSO2's conventions for certificates, which is its job: the
// shared folder's file names (wso2<component>.jks, .pem), the key alias
// wso2<component>cert and the alias rule above. It must not know the
// products or their profiles, nor the agent's environment variables: the
// caller gives the folder (the agent's WSO2_CERTIFICATES_DIR), the
// component, where the product keeps its truststore and keystore, and the
// passwords (and, to generate, the components and their domain).
package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// certExts are the extensions of certificate files; skipExts are files
// that belong in the folder but are not imported.
var (
	certExts = map[string]bool{".pem": true, ".crt": true, ".cer": true, ".der": true}
	skipExts = map[string]bool{".jks": true, ".p12": true, ".pfx": true, ".key": true, ".keystore": true}
)

// IsCertFile reports whether a file name is a certificate file by the
// folder rule (extension .pem, .crt, .cer or .der, not hidden).
func IsCertFile(name string) bool {
	base := filepath.Base(name)
	return !strings.HasPrefix(base, ".") && certExts[strings.ToLower(filepath.Ext(base))]
}

// AliasFor returns the truststore alias of the first certificate in a file:
// the base name without a certificate extension, lowercased, with "cert"
// appended unless it already ends in "cert". wso2gateway.pem gives
// wso2gatewaycert, exactly the aliases the old start scripts used.
func AliasFor(file string) string {
	base := filepath.Base(file)
	if ext := filepath.Ext(base); certExts[strings.ToLower(ext)] {
		base = strings.TrimSuffix(base, ext)
	}
	a := strings.ToLower(base)
	if !strings.HasSuffix(a, "cert") {
		a += "cert"
	}
	return a
}

// AliasForIndex returns the alias of the i-th (0-based) certificate of a
// file: AliasFor(file) for the first, then "-2", "-3" … appended.
func AliasForIndex(file string, i int) string {
	if i == 0 {
		return AliasFor(file)
	}
	return fmt.Sprintf("%s-%d", AliasFor(file), i+1)
}

// ParseCerts parses certificate file content: PEM (every CERTIFICATE,
// X509 CERTIFICATE or TRUSTED CERTIFICATE block; other blocks such as keys
// are skipped and their types returned in skipped) or, when the data has
// no PEM header, DER (one or several concatenated certificates). It fails
// when a certificate block does not parse or when there is no certificate.
func ParseCerts(data []byte) (certs []*x509.Certificate, skipped []string, err error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, errors.New("empty file")
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			return nil, nil, fmt.Errorf("not a PEM or DER certificate: %w", err)
		}
		if len(certs) == 0 {
			return nil, nil, errors.New("no certificate found")
		}
		return certs, nil, nil
	}
	rest := data
	for n := 1; ; n++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var der []byte
		switch b.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
			der = b.Bytes
		case "TRUSTED CERTIFICATE":
			// OpenSSL: the certificate followed by its trust settings.
			var raw asn1.RawValue
			if _, err := asn1.Unmarshal(b.Bytes, &raw); err != nil {
				return nil, nil, fmt.Errorf("PEM block %d (%s): %w", n, b.Type, err)
			}
			der = raw.FullBytes
		default:
			skipped = append(skipped, b.Type)
			continue
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("PEM block %d (%s): %w", n, b.Type, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		if len(skipped) > 0 {
			return nil, skipped, fmt.Errorf("no certificate found (only %s)", strings.Join(skipped, ", "))
		}
		return nil, nil, errors.New("no certificate found (no valid PEM block)")
	}
	return certs, skipped, nil
}
