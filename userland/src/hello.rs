//! `hello`: the smallest useful test program. Its report and its `--exit N` option.

/// Environment variables whose values `hello` prints (others are only counted).
pub const SHOWN_ENV_VARS: [&str; 3] = ["PATH", "HOME", "TERM"];
/// The first line `hello` prints.
pub const GREETING: &str = "hello from user space";

/// The exit status asked for with `--exit N` (0 without it).
pub fn exit_status_from_args(args: &[String]) -> Result<u8, String> {
    let mut status = 0;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        if word == "--exit" {
            let value = words
                .next()
                .ok_or("--exit needs a value: --exit N (0 to 255)")?;
            status = value
                .parse::<u8>()
                .map_err(|_| format!("--exit '{value}' is not a status 0 to 255"))?;
        }
    }
    Ok(status)
}

/// What `hello` prints: the greeting, its arguments one a line, the number of
/// environment variables and the values of [`SHOWN_ENV_VARS`].
pub fn report(args: &[String], env: &[(String, String)]) -> String {
    let mut text = format!("{GREETING}\nargc={}\n", args.len());
    for (index, arg) in args.iter().enumerate() {
        text.push_str(&format!("argv[{index}]={arg}\n"));
    }
    text.push_str(&format!("envc={}\n", env.len()));
    for name in SHOWN_ENV_VARS {
        let value = env
            .iter()
            .find(|(key, _)| key == name)
            .map_or("(unset)", |(_, value)| value);
        text.push_str(&format!("env {name}={value}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn exit_status_comes_from_the_exit_option() {
        assert_eq!(exit_status_from_args(&words("hello")), Ok(0));
        assert_eq!(exit_status_from_args(&words("hello a --exit 7 b")), Ok(7));
        assert_eq!(exit_status_from_args(&words("hello --exit 255")), Ok(255));
        assert!(exit_status_from_args(&words("hello --exit 256")).is_err());
        assert!(exit_status_from_args(&words("hello --exit x")).is_err());
        assert!(exit_status_from_args(&words("hello --exit")).is_err());
    }

    #[test]
    fn report_lists_arguments_and_chosen_variables() {
        let env = vec![
            ("HOME".to_string(), "/".to_string()),
            ("OTHER".to_string(), "x".to_string()),
        ];
        assert_eq!(
            report(&words("/bin/hello a"), &env),
            "hello from user space\nargc=2\nargv[0]=/bin/hello\nargv[1]=a\nenvc=2\n\
             env PATH=(unset)\nenv HOME=/\nenv TERM=(unset)\n"
        );
    }
}
