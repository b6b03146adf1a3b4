package certs

import (
	"time"

	"github.com/wso2-container/agent/internal/fixpoint"
)

// ImportKeyOf is importKey of the certificate files of certDir into the
// store data, for the tests of package certs_test.
func ImportKeyOf(certDir, password string, data []byte) (fixpoint.Key, error) {
	cfs, _, err := readCertFiles(certDir, time.Now())
	return importKey(cfs, password, data), err
}

// OwnKeyOf is ownKey, for the tests of package certs_test.
func OwnKeyOf(alias, password string, data []byte) fixpoint.Key { return ownKey(alias, password, data) }
