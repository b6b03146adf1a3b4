package contract

import (
	"slices"
	"testing"
)

func TestURLPasswords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"jdbc:mysql://mysql:3306/db", nil},
		{"jdbc:mysql://apim:S3cret@mysql:3306/db", []string{"S3cret"}},
		{"jdbc:mysql://u:Pw1@mysql:3306/db?useSSL=false&password=Pw2", []string{"Pw1", "Pw2"}},
		{"jdbc:mysql://mysql/db?useSSL=false&amp;password=Pw3", []string{"Pw3"}},
		{"jdbc:sqlserver://mssql;databaseName=x;user=sa;Password=Pw4", []string{"Pw4"}},
		{"jdbc:postgresql://pg/db?user=u&PWD=Pw5", []string{"Pw5"}},
		{"https://admin:Pw6@cp:9443/services/", []string{"Pw6"}},
		{"https://admin@cp:9443/services/", nil}, // a user, no password
		{"https://cp:9443/services/?passwordless=true", nil},
		{"tcp://tm-1:5672", nil},
		{"plain text, password=", nil},
		{"jdbc:mysql://apim:ab/cd@mysql:3306/db", []string{"ab/cd"}},
		{"jdbc:mysql://mysql/db?useSSL=true&trustCertificateKeyStorePassword=Pw7", []string{"Pw7"}},
		{"jdbc:postgresql://pg/db?sslpassword=Pw8", []string{"Pw8"}},
		{"jdbc:sqlserver://mssql;trustStorePassword=Pw9;databaseName=x", []string{"Pw9"}},
		{"jdbc:sqlserver://mssql;password={a;b}x", []string{"{a;b}x"}},
		{"jdbc:sqlserver://mssql;password={a;b}", []string{"{a;b}", "a;b"}},
		{"jdbc:oracle:thin:apim/Pw10@oracle:1521/ORCL", []string{"Pw10"}},
		{"jdbc:oracle:thin:apim/Pw11@//oracle:1521/ORCL", []string{"Pw11"}},
	} {
		if got := URLPasswords(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("URLPasswords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
