package apim4

import "testing"

// The URL forms of each driver's documentation (Connector/J, MariaDB
// Connector/J, pgJDBC, Microsoft's JDBC driver), as the charts and WSO2's
// docs write them, and the mistakes an operator makes in them.
func TestJDBCServer(t *testing.T) {
	for _, tc := range []struct {
		url, addr string // addr "": not waited for
		err       string // the start of the error; "": none
	}{
		{"jdbc:mysql://mysql:3306/apim_db?useSSL=false", "mysql:3306", ""},
		{"jdbc:mysql://mysql/apim_db", "mysql:3306", ""},
		{"jdbc:mysql://db.example.com", "db.example.com:3306", ""},
		{"jdbc:mysql://mysql:3306,mysql2:3306/db", "mysql:3306", ""},
		{"jdbc:mysql://apim:S3cret@mysql:3307/db", "mysql:3307", ""},
		{"jdbc:mysql://10.0.0.7:3306/db", "10.0.0.7:3306", ""},
		{"jdbc:mysql://[fd00::7]:3306/db", "[fd00::7]:3306", ""},
		{"jdbc:mysql://[fd00::7]/db", "[fd00::7]:3306", ""},
		{"jdbc:mariadb://maria:3306/db", "maria:3306", ""},
		{"jdbc:postgresql://pg:5433/db", "pg:5433", ""},
		{"jdbc:postgresql://pg/db", "pg:5432", ""},
		{"jdbc:postgresql://pg1:5432,pg2:5432/db?targetServerType=primary", "pg1:5432", ""},
		{"jdbc:sqlserver://mssql;databaseName=shared", "mssql:1433", ""},
		{"jdbc:sqlserver://mssql:1434;databaseName=shared;encrypt=false", "mssql:1434", ""},
		{"jdbc:sqlserver://;serverName=mssql;portNumber=1435;databaseName=x", "mssql:1435", ""},
		{"jdbc:sqlserver://mssql\\SQLEXPRESS:1436;databaseName=x", "mssql:1436", ""},
		{"jdbc:sqlserver://mssql;instanceName=SQLEXPRESS;portNumber=1437", "mssql:1437", ""},
		// Not read: not waited for.
		{"jdbc:sqlserver://mssql\\SQLEXPRESS;databaseName=x", "", ""},
		{"jdbc:sqlserver://mssql;instanceName=SQLEXPRESS", "", ""},
		{"jdbc:oracle:thin:@oracle:1521/ORCLPDB1", "", ""},
		{"jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(HOST=o)(PORT=1521)))", "", ""},
		{"jdbc:h2:./repository/database/WSO2AM_DB", "", ""},
		{"jdbc:mysql:loadbalance://m1,m2/db", "", ""},
		{"jdbc:mysql://address=(host=m1)(port=3306)/db", "", ""},
		{"jdbc:postgresql:db", "", ""},
		{"jdbc:mysql:///db", "", ""},
		{"mysql://m/db", "", ""},
		// Forms the drivers document, read.
		{"jdbc:mysql://apim:pw@[mysql-0:3306,mysql-1:3306]/db", "mysql-0:3306", ""},
		{"jdbc:mysql://[mysql-0,mysql-1]/db", "mysql-0:3306", ""},
		{"jdbc:mysql://apim:ab/cd@mysql:3306/shared_db", "mysql:3306", ""},
		{"jdbc:mysql://mysql.db.svc.cluster.local.:3306/db", "mysql.db.svc.cluster.local.:3306", ""},
		{"jdbc:sqlserver://;serverName=fd00:0:0:0:0:0:0:7;databaseName=x", "[fd00:0:0:0:0:0:0:7]:1433", ""},
		{"jdbc:sqlserver://;serverName={mssql};portNumber={1438}", "mssql:1438", ""},
		// Not read (a warning, no refusal): not a host.
		{"jdbc:mysql://my sql:3306/db", "", ""},
		{"jdbc:postgresql://[fd00::7/db", "", ""},
		// The plain typo the server fails on too.
		{"jdbc:mysql://mysql:33o6/db", "", `the database port "33o6" (host mysql) is not a port`},
		{"jdbc:mysql://mysql:99999/db", "", `the database port "99999" (host mysql) is not a port`},
		{"jdbc:mysql://mysql:/db", "", `the database port "" (host mysql) is not a port`},
		{"jdbc:sqlserver://mssql;portNumber=x1433", "", `the database port "x1433" (host mssql) is not a port`},
	} {
		addr, ok, err := jdbcServer(tc.url)
		switch {
		case tc.err != "":
			if err == nil || len(err.Error()) < len(tc.err) || err.Error()[:len(tc.err)] != tc.err {
				t.Errorf("%s: error %v, want one starting %s", tc.url, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.addr == "" && ok:
			t.Errorf("%s: waited for as %s, want not read", tc.url, addr)
		case tc.addr != "" && (!ok || addr != tc.addr):
			t.Errorf("%s: %q (%v), want %s", tc.url, addr, ok, tc.addr)
		}
	}
}
