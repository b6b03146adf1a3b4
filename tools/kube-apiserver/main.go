// Command kube-apiserver is the real Kubernetes API server, built from
// k8s.io/kubernetes at the version go.mod names, for the manifest tests
// (e2e/kubeapi): nothing of it is in this repository but this file.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
