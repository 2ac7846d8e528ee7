module github.com/envseal/secret

go 1.24.0

require (
	github.com/joho/godotenv v1.5.1
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.41.0
	gopkg.in/yaml.v3 v3.0.1
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
