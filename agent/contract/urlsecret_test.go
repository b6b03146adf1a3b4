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
	} {
		if got := URLPasswords(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("URLPasswords(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
