// Package e2e holds the project's end-to-end checks. It has no code of its
// own, only tests:
//
//   - manifests_test.go (always run): the deployment files under deploy/
//     (swarm stack, compose file, Kubernetes manifests) are checked
//     structurally against each other and against the agent's environment
//     contract, and by `docker stack config` / `docker compose config`.
//   - standin_test.go (always run): the Carbon stand-in used by the Docker
//     test, run on a real JVM through the real wso2server.sh with keystores
//     made by keytool, so the Docker test's observer is known to be good.
//   - docker_test.go (build tag e2e, `make e2e`): images built from
//     Dockerfile.base and images/ run as a cluster on a user-defined Docker
//     network; skipped, with a printed reason, when no Docker engine answers.
package e2e
