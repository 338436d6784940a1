#![no_main]
// The entry point lives in the library (stanctl::fuzzing) so the test suite
// replays this target's corpus through the same code.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    stanctl::fuzzing::run("stored_protobufs", data);
});
