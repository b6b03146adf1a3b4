module github.com/wso2-container/agent

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/beevik/etree v1.8.1
	github.com/go-sql-driver/mysql v1.10.1
	github.com/kelseyhightower/envconfig v1.4.0
	github.com/pavlo-v-chernykh/keystore-go/v4 v4.5.0
	github.com/pelletier/go-toml/v2 v2.4.3
	github.com/robfig/cron/v3 v3.0.1
	golang.org/x/sys v0.49.0
	gopkg.in/yaml.v3 v3.0.1
)

require filippo.io/edwards25519 v1.2.0 // indirect
