package contract

import (
	"strings"
	"sync"
)

// This file holds what the contract says about secret values beyond the
// tags of Config: which environment names hold one, the public defaults,
// and the loaded values.

// EnvSecretValues returns the values of the variables of the loaded
// environment whose names mark a secret (IsSecretName, not *_FILE), for the
// plan's masking: a patch file may use them anywhere.
func (c *Config) EnvSecretValues() []string {
	var out []string
	for _, kv := range c.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if v != "" && IsSecretEnv(k) {
			out = append(out, v)
		}
	}
	return out
}

// SecretDefaults returns the default values of the secret variables.
func SecretDefaults() map[string]bool { return secretDefaultSet() }

var secretDefaultSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, v := range Vars() {
		if v.Secret && v.Default != "" {
			out[v.Default] = true
		}
	}
	return out
})

// IsSecretEnv reports whether a variable of the environment holds a secret
// value (IsSecretName, but not a *_FILE path), with the agent's secret
// names computed once.
func IsSecretEnv(name string) bool {
	u := strings.ToUpper(name)
	if strings.HasSuffix(u, "_FILE") {
		return false
	}
	return strings.HasSuffix(u, "PASSWORD") || strings.HasSuffix(u, "SECRET") || strings.HasSuffix(u, "TOKEN") || secretNameSet()[u]
}

var secretNameSet = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	for _, n := range SecretNames() {
		out[n] = true
	}
	return out
})

// PatchLookup resolves a patch file's ${NAME}: a secret variable given
// through NAME_FILE has the file's value (the pipeline's Load does not leave it in the
// environment); anything else is the environment's.
func (c *Config) PatchLookup(name string) (string, bool) {
	if _, ok := c.Getenv(name); !ok {
		if _, viaFile := c.Getenv(name + "_FILE"); viaFile {
			if v, ok := c.secretValues()[name]; ok && v != "" {
				return v, true
			}
		}
	}
	return c.Getenv(name)
}

// secretValues maps each secret variable to its loaded value.
func (c *Config) secretValues() map[string]string {
	return map[string]string{
		"WSO2_ADMIN_PASSWORD":      c.AdminPassword,
		"WSO2_NEW_ADMIN_PASSWORD":  c.NewAdminPassword,
		"WSO2_MYSQL_PASSWORD":      c.MySQLPassword,
		"WSO2_KEYSTORE_PASSWORD":   c.KeystorePassword,
		"WSO2_TRUSTSTORE_PASSWORD": c.TruststorePassword,
	}
}

// ServerEnviron is the environment the server and the jobs start with: the
// loaded environment without the secret variables and their _FILE forms,
// unless WSO2_AGENT_KEEP_SECRETS_ENV keeps them.
func (c *Config) ServerEnviron() []string {
	if c.KeepSecretsEnv.V {
		return c.environ
	}
	drop := map[string]bool{}
	for _, n := range SecretEnvNames() {
		drop[n] = true
	}
	out := make([]string, 0, len(c.environ))
	for _, kv := range c.environ {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] {
			continue
		}
		out = append(out, kv)
	}
	return out
}
