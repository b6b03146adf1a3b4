package pipeline

// The products this agent knows: each registers its profiles, its
// variables and how it recognises its homes when imported. Adding a product
// is adding its package here.
import (
	_ "github.com/wso2-container/agent/agent/product/apim4"
	_ "github.com/wso2-container/agent/agent/product/carbon44"
)
