package adminpw

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/internal/boundedread"
)

// UserMgtPath is where user-mgt.xml lives below the product home.
const UserMgtPath = "repository/conf/user-mgt.xml"

// DefaultPasswordRegex is the PasswordJavaRegEx shipped in every Carbon 4.4
// user-mgt.xml: 5 to 30 non-whitespace characters.
const DefaultPasswordRegex = `^[\S]{5,30}$`

// StoreConfig is how the user store hashes and checks passwords: the
// PasswordDigest, StoreSaltedPassword and PasswordJavaRegEx properties of the
// JDBC user store manager.
type StoreConfig struct {
	// Digest is PasswordDigest: a JCA digest name, PlainText, or "" when
	// the property is absent (Carbon then stores the password in clear).
	Digest string
	// Salted is StoreSaltedPassword == "true" (any case).
	Salted bool
	// PasswordRegex is PasswordJavaRegEx, a Java regular expression the
	// trimmed password must match at login; "" when absent (no policy).
	PasswordRegex string
	// Source names where the values came from: the file, or "defaults".
	Source string
}

// Defaults is Carbon's shipped configuration, used when there is no
// user-mgt.xml: SHA-256, salted, DefaultPasswordRegex.
func Defaults() StoreConfig {
	return StoreConfig{Digest: "SHA-256", Salted: true, PasswordRegex: DefaultPasswordRegex, Source: "defaults"}
}

// LoadStoreConfig reads home/repository/conf/user-mgt.xml. With home empty,
// or when the file does not exist, it returns Defaults. A file that cannot be
// read is exitcode.NoInput; one that is not XML or has no JDBC primary user
// store is exitcode.DataErr / exitcode.Config. Properties absent from the
// file take Carbon's behaviour for an absent property, not the defaults.
func LoadStoreConfig(home string) (StoreConfig, error) {
	if home == "" {
		return Defaults(), nil
	}
	path := filepath.Join(home, UserMgtPath)
	data, err := boundedread.ReadFile(path, boundedread.Config)
	if errors.Is(err, fs.ErrNotExist) {
		return Defaults(), nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return StoreConfig{}, exitcode.Errorf(exitcode.NoInput, "read %s: %w", path, err)
	}
	sc, err := ParseUserMgt(data)
	if err != nil {
		return StoreConfig{}, fmt.Errorf("read %s: %w", path, err)
	}
	sc.Source = path
	return sc, nil
}

type userMgtXML struct {
	XMLName xml.Name `xml:"UserManager"`
	Realm   struct {
		Stores []struct {
			Class string `xml:"class,attr"`
			Props []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"Property"`
		} `xml:"UserStoreManager"`
	} `xml:"Realm"`
}

// ParseUserMgt extracts the StoreConfig of the primary (first)
// UserStoreManager of a user-mgt.xml document. Commented-out blocks are
// ignored. The primary store must be a JDBC user store manager (its class
// name ends in JDBCUserStoreManager); otherwise the admin's password does not
// live in UM_USER and the error (exitcode.Config) says so.
func ParseUserMgt(data []byte) (StoreConfig, error) {
	var doc userMgtXML
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return StoreConfig{}, exitcode.Errorf(exitcode.DataErr, "parse user-mgt.xml: %w", err)
	}
	if len(doc.Realm.Stores) == 0 {
		return StoreConfig{}, exitcode.Errorf(exitcode.DataErr, "parse user-mgt.xml: no UserManager/Realm/UserStoreManager element")
	}
	primary := doc.Realm.Stores[0]
	class := strings.TrimSpace(primary.Class)
	if !strings.HasSuffix(class, "JDBCUserStoreManager") {
		return StoreConfig{}, exitcode.Errorf(exitcode.Config,
			"user-mgt.xml: the primary UserStoreManager is %q, not a JDBCUserStoreManager: the admin password is not stored in UM_USER, and this job changes only a JDBC user store", class)
	}
	var sc StoreConfig
	for _, p := range primary.Props {
		v := strings.TrimSpace(p.Value)
		switch p.Name {
		case "PasswordDigest":
			sc.Digest = v
		case "StoreSaltedPassword":
			sc.Salted = strings.EqualFold(v, "true")
		case "PasswordJavaRegEx":
			sc.PasswordRegex = v
		}
	}
	if err := CheckDigest(sc.Digest); err != nil {
		return StoreConfig{}, exitcode.Wrap(exitcode.Config, fmt.Errorf("user-mgt.xml: %w", err))
	}
	return sc, nil
}
