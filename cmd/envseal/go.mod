module github.com/envseal/secret/cmd/envseal

go 1.24.0

require (
	github.com/envseal/secret v0.0.0-00010101000000-000000000000
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.41.0
	golang.org/x/term v0.40.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/joho/godotenv v1.5.1 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

// The CLI is built from this repository: the library beside it, not a
// published version.
replace github.com/envseal/secret => ../..
