# Image targets, included by the top Makefile (which defines GO, VERSION, BIN
# and the `build` target). See images/README.md. Every image is built by
# scripts/build-image.sh: docker's progress shown, OCI labels, no dangling
# image left after a rebuild.
#
#   make images                 the base, every component image and both job images
#   make images COMPONENTS="gateway gatewaymanager"
#   make image-base             only the base (Dockerfile.base)
#   make e2e                    the end-to-end test in Docker (no registry needed)
#   make e2e-if-docker          e2e when it can run here (scripts/e2e-preflight.sh), else the reason
#
# Product packs are not downloadable here: unzip them into images/product/
# (wso2am-2.0.0/, wso2is-5.2.0/, wso2am-analytics-2.0.0/), point WSO2AM_HOME /
# WSO2IS_HOME / WSO2DAS_HOME at unpacked homes, or give the zips as
# WSO2AM_PACK / WSO2IS_PACK / WSO2DAS_PACK (unzipped into images/product/).

DOCKER        ?= docker
BASE_IMAGE    ?= eclipse-temurin:8-jre
IMAGE_PREFIX  ?= wso2/
IMAGE_TAG     ?= latest
AGENT_BASE    ?= $(IMAGE_PREFIX)agent-base:$(IMAGE_TAG)
PRODUCT_DIR   ?= images/product
WSO2AM_HOME   ?= $(PRODUCT_DIR)/wso2am-2.0.0
WSO2IS_HOME   ?= $(PRODUCT_DIR)/wso2is-5.2.0
WSO2DAS_HOME  ?= $(PRODUCT_DIR)/wso2am-analytics-2.0.0
WSO2AM_ACP_HOME ?= $(PRODUCT_DIR)/wso2am-acp-4.5.0
WSO2AM_TM_HOME  ?= $(PRODUCT_DIR)/wso2am-tm-4.5.0
WSO2AM_GW_HOME  ?= $(PRODUCT_DIR)/wso2am-universal-gw-4.5.0
WSO2AM4_HOME    ?= $(PRODUCT_DIR)/wso2am-4.5.0
AM_COMPONENTS := apim gateway gatewaymanager publisher store trafficmanager keymanager
COMPONENTS    ?= $(AM_COMPONENTS) identityserver analytics
JOBS          := certificates admin-password

.PHONY: images image-base image-jobs image-components products check-products e2e e2e-if-docker e2e-images e2e-testbase e2e-standin e2e-apim4 e2e-testdb

## images: the base, every component in COMPONENTS and the job images
images: check-products image-base image-jobs image-components

## image-base: Dockerfile.base FROM $(BASE_IMAGE) with bin/agent
image-base: build
	@file $(BIN) | grep -q 'statically linked' || { echo "image-base: $(BIN) is not statically linked"; exit 1; }
	DOCKER=$(DOCKER) VERSION=$(VERSION) scripts/build-image.sh --component agent-base -f Dockerfile.base \
		--build-arg BASE_IMAGE=$(BASE_IMAGE) --build-arg AGENT_VERSION=$(VERSION) -t $(AGENT_BASE) $(dir $(BIN))

image-jobs: image-base
	@for j in $(JOBS); do \
		DOCKER=$(DOCKER) VERSION=$(VERSION) scripts/build-image.sh --component $$j -f images/$$j/Dockerfile \
			--build-arg BASE_IMAGE=$(AGENT_BASE) -t $(IMAGE_PREFIX)$$j:$(IMAGE_TAG) $(dir $(BIN)) || exit 1; \
	done

# Unzip packs given as WSO2AM_PACK=... (etc.) into PRODUCT_DIR, once.
products:
	@set -e; for v in WSO2AM WSO2IS WSO2DAS; do \
		case $$v in WSO2AM) zip='$(WSO2AM_PACK)' home='$(WSO2AM_HOME)';; \
		            WSO2IS) zip='$(WSO2IS_PACK)' home='$(WSO2IS_HOME)';; \
		            WSO2DAS) zip='$(WSO2DAS_PACK)' home='$(WSO2DAS_HOME)';; esac; \
		if [ -n "$$zip" ] && [ ! -d "$$home" ]; then \
			echo "unzip $$zip -> $(PRODUCT_DIR)/"; mkdir -p '$(PRODUCT_DIR)'; unzip -q "$$zip" -d '$(PRODUCT_DIR)'; \
		fi; \
	done

# Every product home COMPONENTS need must be there before anything is built.
# API Manager 4.5 (pattern 3): apim-acp, apim-tm, apim-universal-gw and the
# all-in-one apim4, from WSO2AM_ACP_HOME etc. (unzipped packs with the MySQL
# JDBC driver in repository/components/lib; build them on a Java 17/21
# BASE_IMAGE).
check-products: products
	@set -e; for c in $(COMPONENTS); do \
		s=wso2server.sh; \
		case $$c in identityserver) home='$(WSO2IS_HOME)' v=WSO2IS z=wso2is-5.2.0.zip;; \
		            analytics) home='$(WSO2DAS_HOME)' v=WSO2DAS z=wso2am-analytics-2.0.0.zip;; \
		            apim-acp) home='$(WSO2AM_ACP_HOME)' v=WSO2AM_ACP z=wso2am-acp-4.5.0.zip s=api-cp.sh;; \
		            apim-tm) home='$(WSO2AM_TM_HOME)' v=WSO2AM_TM z=wso2am-tm-4.5.0.zip s=traffic-manager.sh;; \
		            apim-universal-gw) home='$(WSO2AM_GW_HOME)' v=WSO2AM_GW z=wso2am-universal-gw-4.5.0.zip s=gateway.sh;; \
		            apim4) home='$(WSO2AM4_HOME)' v=WSO2AM4 z=wso2am-4.5.0.zip s=api-manager.sh;; \
		            *) home='$(WSO2AM_HOME)' v=WSO2AM z=wso2am-2.0.0.zip;; esac; \
		if [ ! -f "$$home/bin/$$s" ]; then \
			echo "images: $$c: $$home/bin/$$s not found: unzip $$z into $(PRODUCT_DIR)/, or set $${v}_HOME=/path/to/unpacked/home"; exit 1; \
		fi; \
	done

image-components: check-products image-base
	@set -e; for c in $(COMPONENTS); do \
		case $$c in identityserver) home='$(WSO2IS_HOME)';; analytics) home='$(WSO2DAS_HOME)';; \
		            apim-acp) home='$(WSO2AM_ACP_HOME)';; apim-tm) home='$(WSO2AM_TM_HOME)';; \
		            apim-universal-gw) home='$(WSO2AM_GW_HOME)';; apim4) home='$(WSO2AM4_HOME)';; \
		            *) home='$(WSO2AM_HOME)';; esac; \
		DOCKER=$(DOCKER) VERSION=$(VERSION) scripts/build-image.sh --component $$c -f images/$$c/Dockerfile \
			--build-arg BASE_IMAGE=$(AGENT_BASE) -t $(IMAGE_PREFIX)$$c:$(IMAGE_TAG) "$$home"; \
	done

# ---------------------------------------------------------------------------
# End-to-end tests: no registry. The base comes from debootstrap (cached under
# WSO2_E2E_CACHE) and the product is a stand-in Carbon server on the real
# configuration fixtures.
WSO2_FIXTURES  ?= testdata/wso2-fixtures
E2E_DIR        ?= .cache/e2e
E2E_PREFIX     ?= wso2-agent-e2e/
E2E_TESTBASE   ?= wso2-agent-testbase:bookworm-jre17
E2E_COMPONENTS ?= gateway gatewaymanager
E2E_TIMEOUT    ?= 20m
# API Manager 4.5 (pattern 3) images of the e2e tests: folder under images/,
# fixture home, pack kind (images/testbase/assemble-apim4.sh).
E2E_APIM4      ?= apim-acp:wso2am-acp-4.5.0:acp apim-tm:wso2am-tm-4.5.0:tm \
                  apim-universal-gw:wso2am-universal-gw-4.5.0:universal-gw apim4:wso2am-4.5.0:all-in-one
# Which end-to-end tests `make e2e` runs (TestSwarm: the live Swarm test).
E2E_RUN        ?= TestDocker|TestSwarm
# Not exported: every recipe's environment would carry it, and the agent
# warns about a WSO2_ variable it does not read (make demo would show it).
WSO2_E2E_CACHE ?= /var/cache/wso2-agent-e2e

e2e-testbase:
	TESTBASE_IMAGE=$(E2E_TESTBASE) WSO2_E2E_CACHE=$(WSO2_E2E_CACHE) images/testbase/build.sh

e2e-standin:
	images/testbase/assemble-product.sh $(WSO2_FIXTURES)/wso2am-2.0.0 $(E2E_DIR)/wso2am-standin

## e2e-apim4: the 4.5 stand-in homes and their images (FROM the e2e agent base, built by e2e-images)
e2e-apim4:
	@set -e; for spec in $(E2E_APIM4); do \
		img=$${spec%%:*}; rest=$${spec#*:}; fix=$${rest%%:*}; kind=$${rest#*:}; \
		images/testbase/assemble-apim4.sh $(WSO2_FIXTURES)/$$fix $$kind $(E2E_DIR)/$$fix-standin; \
		echo "$(DOCKER) build -q -f images/$$img/Dockerfile --build-arg BASE_IMAGE=$(E2E_PREFIX)agent-base:latest -t $(E2E_PREFIX)$$img:latest $(E2E_DIR)/$$fix-standin"; \
		$(DOCKER) build -q -f images/$$img/Dockerfile --build-arg BASE_IMAGE=$(E2E_PREFIX)agent-base:latest \
			-t $(E2E_PREFIX)$$img:latest $(E2E_DIR)/$$fix-standin >/dev/null; \
	done

## e2e-testdb: MariaDB from Debian's packages, FROM the test base (images/testdb)
e2e-testdb: e2e-testbase
	$(DOCKER) build -q -f images/testdb/Dockerfile --build-arg BASE_IMAGE=$(E2E_TESTBASE) \
		-t $(E2E_PREFIX)testdb:latest images/testdb >/dev/null

## e2e-images: the test base, the agent base FROM it, E2E_COMPONENTS, the job images, the 4.5 images and testdb, all local
e2e-images: build e2e-testbase e2e-standin
	@# build ran above: the sub-make must not rebuild (-o build)
	$(MAKE) --no-print-directory -o build image-base image-jobs image-components BASE_IMAGE=$(E2E_TESTBASE) \
		IMAGE_PREFIX=$(E2E_PREFIX) IMAGE_TAG=latest COMPONENTS="$(E2E_COMPONENTS)" \
		WSO2AM_HOME=$(E2E_DIR)/wso2am-standin
	$(MAKE) --no-print-directory e2e-apim4 e2e-testdb

## e2e: build the e2e images and run the Docker end-to-end test (needs a Docker engine)
e2e: e2e-images
	E2E_IMAGE_PREFIX=$(E2E_PREFIX) E2E_AGENT_BIN=$(abspath $(BIN)) \
		$(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) -v -run '$(E2E_RUN)' ./e2e/

# scripts/e2e-preflight.sh prints why when the e2e test cannot run here (no
# Docker engine, no test base and no Debian mirror for debootstrap).
e2e-if-docker:
	@if DOCKER=$(DOCKER) E2E_TESTBASE=$(E2E_TESTBASE) WSO2_E2E_CACHE=$(WSO2_E2E_CACHE) ./scripts/e2e-preflight.sh; then \
		$(MAKE) --no-print-directory e2e; \
	fi
