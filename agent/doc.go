// Package agent is the container agent: the command line, the environment
// contract and the start-up pipeline of the WSO2 product images, and, for
// now, the knowledge of each product beside them (issue 13 moves the
// product knowledge into packages of its own). Its leaf libraries know
// nothing of WSO2: xmlconf and tomlconf edit configuration files, keystore
// reads and writes JKS and PKCS12, and the packages below agent/ do one job
// each (certs, quartz, carbonapp, jobs, supervise, depwait, homelock,
// adminpw, health, exitcode, udiff).
//
// Where things live, by file name:
//
//   - cli.go, cmd_*.go: the subcommands (render, run, env, certs, cron,
//     admin-password, health) and their flags; Main is the entry point.
//   - config.go, envtypes.go, envcheck.go, validate_values.go: the
//     environment contract (every WSO2_* variable, its default, whether it
//     is secret), loading and validating it.
//   - pipeline.go, plan.go, plan_*.go, edits.go, toml_edit.go, volumes.go,
//     apply.go: load → plan (every change computed, nothing written) →
//     apply (staged, made durable, renamed into place).
//   - profile.go, profiles_*.go, product_*.go: the products and their
//     profiles: which files, elements, keys and start scripts each uses.
//   - render.go, secretmask.go: what render and --dry-run print, with
//     secrets masked.
//   - setup.go, run_jobs.go, waittarget.go: what run does after apply:
//     waiting for dependencies, the scheduled jobs, supervising the server.
//
// The pipeline never prints a secret: values declared secret in the
// contract, and old secret values found in the files, are masked in every
// log line and error; render masks the values at the secret places of the
// files it shows (the places the plan's secret edits set), and every known
// secret value in its free text (names, warnings, job command lines).
package agent
