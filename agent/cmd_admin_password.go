package agent

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/wso2-container/agent/agent/adminpw"
	"github.com/wso2-container/agent/agent/contract"
	"github.com/wso2-container/agent/agent/exitcode"
	"github.com/wso2-container/agent/agent/pipeline"
)

var adminPasswordDoc = cmdDoc{name: "admin-password", synopsis: "agent admin-password [--dry-run] [--skip-policy] [--force]", about: `Sets the admin user's password (WSO2_ADMIN_USERNAME) in the user-store
database (WSO2_USERSTORE_DB on WSO2_MYSQL_SERVER:WSO2_MYSQL_PORT), hashed as
the product's user-mgt.xml says. The new password comes from
WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD (or their _FILE forms), never
from the command line. It waits for the database like agent run waits for
its dependencies, up to WSO2_AGENT_WAIT_TIMEOUT.`}

// cmdAdminPassword is `agent admin-password [--dry-run] [--skip-policy]
// [--force]`: it sets the password of the admin user (WSO2_ADMIN_USERNAME,
// tenant -1234) in the user-store database to WSO2_NEW_ADMIN_PASSWORD, or
// WSO2_ADMIN_PASSWORD when that is unset, hashed as the product's
// user-mgt.xml says (under WSO2_HOME, or the profile's home; Carbon's
// defaults when absent). One of the two password variables (or its _FILE
// form) must be set explicitly: the job never falls back to the built-in
// default "admin". Passwords are read from the environment or files only,
// never from the command line, and never printed.
func cmdAdminPassword(ctx context.Context, args []string, io IO) int {
	fs := newFlags(adminPasswordDoc)
	dryRun := fs.Bool("dry-run", false, "connect and find the user, report what would change, write nothing")
	skipPolicy := fs.Bool("skip-policy", false, "do not check the password against the user store's PasswordJavaRegEx")
	force := fs.Bool("force", false, "write a new salt and hash even if the password already works")
	pos, code, done := parseFlags(fs, adminPasswordDoc, args, io)
	if done {
		return code
	}
	if len(pos) > 0 {
		return usageError(io, adminPasswordDoc, "takes no arguments, only flags (%d given, not shown: the password is read from WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD or their _FILE forms, never from the command line)", len(pos))
	}

	cfg, err := pipeline.LoadEnv(io.Log, false)
	if err != nil {
		return fail(io, err)
	}
	password, passwordVar, err := newAdminPassword(cfg)
	if err != nil {
		return fail(io, err)
	}
	home := pipeline.JobHome(cfg)
	store, err := adminpw.LoadStoreConfig(home)
	if err != nil {
		return fail(io, err)
	}
	// name.WSO2_DOMAIN as Config.ServiceHost, except that an empty name
	// keeps the suffix: an empty WSO2_MYSQL_SERVER (allowed with the
	// profile none) must fail to resolve, never dial the local host.
	host := cfg.MySQLServer
	if cfg.Domain != "" && net.ParseIP(host) == nil {
		host += "." + cfg.Domain
	}
	opts := adminpw.Options{
		Host: host, Port: cfg.MySQLPort.V, User: cfg.MySQLUser, Password: cfg.MySQLPassword, Database: cfg.UserStoreDB,
		AdminUser: cfg.AdminUser, TenantID: adminpw.SuperTenantID,
		NewPassword: password, PasswordVar: passwordVar,
		Names: adminpw.InputNames{AdminUser: "WSO2_ADMIN_USERNAME", WaitTimeout: "WSO2_AGENT_WAIT_TIMEOUT",
			User: "WSO2_MYSQL_USER", Password: "WSO2_MYSQL_PASSWORD", Database: "WSO2_USERSTORE_DB"},
		Store: store, SkipPolicy: *skipPolicy, DryRun: *dryRun, Force: *force,
		WaitTimeout: cfg.WaitTimeout.V, Log: io.Log,
	}
	io.Log.Info("admin-password", "user", opts.AdminUser, "tenant", opts.TenantID, "database", opts.Database,
		"host", host, "port", opts.Port, "hashing", store.Source, "dry_run", *dryRun)
	// A TERM or INT (a Job deleted while the database is awaited) ends the
	// job with 128+N and a line saying so (see stopOnSignal).
	runCtx, stopped, release := stopOnSignal(ctx)
	defer release()
	res, err := adminpw.Run(runCtx, opts)
	if err != nil {
		if sig := stopped(); sig != 0 {
			return fail(io, stoppedError(sig, err))
		}
		return fail(io, fmt.Errorf("admin-password: %w", err))
	}
	fmt.Fprintln(io.Stdout, res.String())
	return exitcode.OK
}

// newAdminPassword picks the new password: WSO2_NEW_ADMIN_PASSWORD when
// non-empty, else WSO2_ADMIN_PASSWORD — but only if one of them (or its
// _FILE form) is really set, so that an unconfigured job cannot reset the
// admin password to the well-known default.
func newAdminPassword(cfg *contract.Config) (value, name string, err error) {
	if cfg.NewAdminPassword != "" {
		return cfg.NewAdminPassword, "WSO2_NEW_ADMIN_PASSWORD", nil
	}
	for _, n := range []string{"WSO2_ADMIN_PASSWORD", "WSO2_ADMIN_PASSWORD_FILE"} {
		if _, ok := cfg.Getenv(n); ok {
			return cfg.AdminPassword, strings.TrimSuffix(n, "_FILE"), nil
		}
	}
	return "", "", exitcode.Errorf(exitcode.Config, "admin-password: no new password: set WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD (or their _FILE variants)")
}
