fn main() -> std::process::ExitCode {
    jobrun::run(std::env::args_os())
}
