package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/wso2-container/agent/agent/adminpw"
	"github.com/wso2-container/agent/agent/exitcode"
)

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
	fs := flag.NewFlagSet("admin-password", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	dryRun := fs.Bool("dry-run", false, "connect and find the user, report what would change, write nothing")
	skipPolicy := fs.Bool("skip-policy", false, "do not check the password against the user store's PasswordJavaRegEx")
	force := fs.Bool("force", false, "write a new salt and hash even if the password already works")
	fs.Usage = func() {
		fmt.Fprintln(io.Stderr, "usage: agent admin-password [--dry-run] [--skip-policy] [--force]")
		fmt.Fprintln(io.Stderr, "The new password comes from WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD (or their _FILE forms), never from the command line.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitcode.OK
		}
		return exitcode.Usage
	}
	if fs.NArg() > 0 {
		return fail(io, exitcode.Errorf(exitcode.Usage, "admin-password: takes no arguments, only flags (the password is read from WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD, never from the command line)"))
	}

	warnUnknownVars(io)
	cfg, err := LoadEnv(false)
	if err != nil {
		return fail(io, err)
	}
	password, passwordVar, err := newAdminPassword(cfg)
	if err != nil {
		return fail(io, err)
	}
	home := cfg.Home
	if home == "" && cfg.Profile != "" {
		if p, ok := lookupProfile(cfg.Profile); ok {
			home = p.Home
		}
	}
	store, err := adminpw.LoadStoreConfig(home)
	if err != nil {
		return fail(io, err)
	}
	host := cfg.MySQLServer
	if cfg.Domain != "" && net.ParseIP(host) == nil { // as target.svc
		host += "." + cfg.Domain
	}
	opts := adminpw.Options{
		Host: host, Port: cfg.MySQLPort.V, User: cfg.MySQLUser, Password: cfg.MySQLPassword, Database: cfg.UserStoreDB,
		AdminUser: cfg.AdminUser, TenantID: adminpw.SuperTenantID,
		NewPassword: password, PasswordVar: passwordVar,
		Store: store, SkipPolicy: *skipPolicy, DryRun: *dryRun, Force: *force,
		WaitTimeout: cfg.WaitTimeout.V, Log: io.Log,
	}
	io.Log.Info("admin-password", "user", opts.AdminUser, "tenant", opts.TenantID, "database", opts.Database,
		"host", host, "port", opts.Port, "hashing", store.Source, "dry_run", *dryRun)
	res, err := adminpw.Run(ctx, opts)
	if err != nil {
		return fail(io, fmt.Errorf("admin-password: %w", err))
	}
	fmt.Fprintln(io.Stdout, res.String())
	return exitcode.OK
}

// newAdminPassword picks the new password: WSO2_NEW_ADMIN_PASSWORD when
// non-empty, else WSO2_ADMIN_PASSWORD — but only if one of them (or its
// _FILE form) is really set, so that an unconfigured job cannot reset the
// admin password to the well-known default.
func newAdminPassword(cfg *Config) (value, name string, err error) {
	if cfg.NewAdminPassword != "" {
		return cfg.NewAdminPassword, "WSO2_NEW_ADMIN_PASSWORD", nil
	}
	for _, n := range []string{"WSO2_ADMIN_PASSWORD", "WSO2_ADMIN_PASSWORD_FILE"} {
		if _, ok := os.LookupEnv(n); ok {
			return cfg.AdminPassword, strings.TrimSuffix(n, "_FILE"), nil
		}
	}
	return "", "", exitcode.Errorf(exitcode.Config, "admin-password: no new password: set WSO2_NEW_ADMIN_PASSWORD or WSO2_ADMIN_PASSWORD (or their _FILE variants)")
}
