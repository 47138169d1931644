//! Shell variables: values, and which are exported to commands' environments.

use std::collections::BTreeMap;
use std::ffi::CString;

/// A variable's value and whether commands see it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Variable {
    value: String,
    exported: bool,
}

/// All shell variables.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    map: BTreeMap<String, Variable>,
}

impl Variables {
    /// The variables of this process's environment, all exported.
    pub fn from_environment() -> Variables {
        let mut variables = Variables::default();
        for (name, value) in std::env::vars_os() {
            variables.map.insert(
                name.to_string_lossy().into_owned(),
                Variable {
                    value: value.to_string_lossy().into_owned(),
                    exported: true,
                },
            );
        }
        variables
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|v| v.value.as_str())
    }

    /// Sets `name` (keeping whether it is exported).
    pub fn set(&mut self, name: &str, value: &str) {
        match self.map.get_mut(name) {
            Some(variable) => variable.value = value.to_string(),
            None => {
                self.map.insert(
                    name.to_string(),
                    Variable {
                        value: value.to_string(),
                        exported: false,
                    },
                );
            }
        }
    }

    /// Marks `name` exported (an unset name is exported once it gets a value).
    pub fn export(&mut self, name: &str, value: Option<&str>) {
        let variable = self.map.entry(name.to_string()).or_insert(Variable {
            value: String::new(),
            exported: true,
        });
        variable.exported = true;
        if let Some(value) = value {
            variable.value = value.to_string();
        }
    }

    /// Removes `name`.
    pub fn unset(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// `export` without arguments: `declare -x NAME="value"` lines, sorted.
    pub fn export_listing(&self) -> String {
        self.map
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(name, v)| {
                let escaped = v
                    .value
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('$', "\\$");
                format!("declare -x {name}=\"{escaped}\"\n")
            })
            .collect()
    }

    /// `NAME=value` strings for a command's environment: the exported
    /// variables overridden by `extra` (prefix assignments).
    pub fn environment(&self, extra: &[(String, String)]) -> Vec<CString> {
        let mut map: BTreeMap<&str, &str> = self
            .map
            .iter()
            .filter(|(_, v)| v.exported)
            .map(|(name, v)| (name.as_str(), v.value.as_str()))
            .collect();
        for (name, value) in extra {
            map.insert(name, value);
        }
        map.into_iter()
            .filter_map(|(name, value)| CString::new(format!("{name}={value}")).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exported_variables_reach_the_environment() {
        let mut variables = Variables::default();
        variables.set("LOCAL", "1");
        variables.export("SHARED", Some("a b"));
        variables.export("LATER", None);
        variables.set("LATER", "2");
        let environment = variables.environment(&[("EXTRA".into(), "x".into())]);
        let strings: Vec<_> = environment.iter().map(|c| c.to_str().unwrap()).collect();
        assert_eq!(strings, ["EXTRA=x", "LATER=2", "SHARED=a b"]);
        assert_eq!(
            variables.export_listing(),
            "declare -x LATER=\"2\"\ndeclare -x SHARED=\"a b\"\n"
        );
        variables.unset("SHARED");
        assert_eq!(variables.get("SHARED"), None);
        assert_eq!(variables.get("LOCAL"), Some("1"));
    }
}
