//! `top`'s arguments: `-d SECONDS` between frames (default 1), `-n N`
//! frames then exit, `-b` batch mode (no raw terminal: frames one after
//! another, for pipes and scripts).

use std::time::Duration;

/// See the module doc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopOptions {
    pub delay: Duration,
    pub frames: Option<u64>,
    pub batch: bool,
}

/// Parses the arguments after `top`.
pub fn parse_args(args: &[String]) -> Result<TopOptions, String> {
    let usage = "usage: top [-b] [-d SECONDS] [-n FRAMES]";
    let mut options = TopOptions {
        delay: Duration::from_secs(1),
        frames: None,
        batch: false,
    };
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let mut value = || {
            words
                .next()
                .ok_or_else(|| format!("top: {word} needs a value; {usage}"))
        };
        match word.as_str() {
            "-b" => options.batch = true,
            "-d" => {
                let text = value()?;
                let seconds: f64 = text
                    .parse()
                    .ok()
                    .filter(|seconds: &f64| (0.1..=3600.0).contains(seconds))
                    .ok_or_else(|| format!("top: bad delay {text:?} (0.1 to 3600 seconds)"))?;
                options.delay = Duration::from_secs_f64(seconds);
            }
            "-n" => {
                let text = value()?;
                options.frames = Some(
                    text.parse()
                        .ok()
                        .filter(|frames| *frames > 0)
                        .ok_or_else(|| format!("top: bad frame count {text:?}"))?,
                );
            }
            other => return Err(format!("top: unknown argument {other:?}; {usage}")),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn options_parse() {
        assert_eq!(
            parse_args(&[]),
            Ok(TopOptions {
                delay: Duration::from_secs(1),
                frames: None,
                batch: false
            })
        );
        assert_eq!(
            parse_args(&args(&["-b", "-n", "2", "-d", "0.5"])),
            Ok(TopOptions {
                delay: Duration::from_millis(500),
                frames: Some(2),
                batch: true
            })
        );
        for bad in [
            &["-n"][..],
            &["-n", "0"],
            &["-d", "x"],
            &["-d", "0"],
            &["-x"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
