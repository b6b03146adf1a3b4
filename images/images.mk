# Image targets (owned by images/). Placeholder until the images land.
.PHONY: images e2e e2e-if-docker
images:
	@echo "images: not yet implemented"; exit 1
e2e:
	@echo "e2e: not yet implemented"; exit 1
e2e-if-docker:
	@echo "e2e: SKIPPED (not yet implemented)"
