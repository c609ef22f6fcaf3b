# The two commands: `make demo` and `make test`. Both install what the build needs first.
BUILD      ?= build
TEST_BUILD ?= build-test
GENERATOR  ?= Ninja

.PHONY: setup build demo test bench clean

setup:
	@scripts/setup

build: setup
	cmake -S . -B $(BUILD) -G $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DINTAKE_TESTS=OFF
	cmake --build $(BUILD)

demo: build
	$(BUILD)/intake demo

# Unit and end-to-end tests, built with AddressSanitizer and UndefinedBehaviorSanitizer.
test: setup
	cmake -S . -B $(TEST_BUILD) -G $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug -DINTAKE_SANITIZE=ON -DINTAKE_BENCH=OFF
	cmake --build $(TEST_BUILD)
	ctest --test-dir $(TEST_BUILD) --output-on-failure --timeout 900 -j 2

bench: build
	bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
