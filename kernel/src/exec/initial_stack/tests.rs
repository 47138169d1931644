use super::*;

const TOP: u64 = 0x7fff_ffff_f000;

fn word(stack: &InitialStack, address: u64) -> u64 {
    let at = (address - stack.rsp) as usize;
    u64::from_le_bytes(stack.bytes[at..at + 8].try_into().unwrap())
}

fn string(stack: &InitialStack, address: u64) -> Vec<u8> {
    let at = (address - stack.rsp) as usize;
    stack.bytes[at..].iter().take_while(|&&byte| byte != 0).copied().collect()
}

#[test]
fn layout_is_what_the_abi_says() {
    let contents = StackContents {
        arguments: &[b"/bin/hello", b"--exit", b"7"],
        environment: &[b"HOME=/", b"TERM=linux"],
        exec_path: b"/bin/hello",
        auxv: &[(6, 4096), (7, 0)],
        random: [0xab; 16],
    };
    let stack = build(&contents, TOP, 1 << 20).unwrap();
    assert_eq!(stack.rsp % 16, 0, "RSP must be 16-byte aligned at argc");
    assert_eq!(stack.rsp + stack.bytes.len() as u64, TOP);
    assert_eq!(word(&stack, stack.rsp), 3);
    let argv: Vec<Vec<u8>> = (0..3).map(|index| string(&stack, word(&stack, stack.rsp + 8 + 8 * index))).collect();
    assert_eq!(argv, vec![b"/bin/hello".to_vec(), b"--exit".to_vec(), b"7".to_vec()]);
    assert_eq!(word(&stack, stack.rsp + 32), 0);
    let envp = stack.rsp + 40;
    assert_eq!(string(&stack, word(&stack, envp)), b"HOME=/");
    assert_eq!(string(&stack, word(&stack, envp + 8)), b"TERM=linux");
    assert_eq!(word(&stack, envp + 16), 0);
    let mut auxv = Vec::new();
    let mut at = envp + 24;
    loop {
        let (key, value) = (word(&stack, at), word(&stack, at + 8));
        auxv.push((key, value));
        at += 16;
        if key == AT_NULL {
            break;
        }
    }
    assert_eq!(&auxv[..2], &[(6, 4096), (7, 0)]);
    let lookup = |wanted: u64| auxv.iter().find(|(key, _)| *key == wanted).unwrap().1;
    let random_at = (lookup(AT_RANDOM) - stack.rsp) as usize;
    assert_eq!(&stack.bytes[random_at..random_at + 16], &[0xab; 16]);
    assert_eq!(string(&stack, lookup(AT_EXECFN)), b"/bin/hello");
    assert_eq!(string(&stack, lookup(AT_PLATFORM)), b"x86_64");
    // Every pointer points into the stack.
    for pointer in [lookup(AT_RANDOM), lookup(AT_EXECFN), lookup(AT_PLATFORM)] {
        assert!(pointer >= stack.rsp && pointer < TOP);
    }
}

#[test]
fn alignment_holds_for_every_argument_count() {
    for count in 0..20 {
        let arguments: Vec<&[u8]> = (0..count).map(|_| &b"x"[..]).collect();
        let contents = StackContents { arguments: &arguments, environment: &[], exec_path: b"/x", auxv: &[], random: [0; 16] };
        let stack = build(&contents, TOP, 1 << 20).unwrap();
        assert_eq!(stack.rsp % 16, 0);
        assert_eq!(word(&stack, stack.rsp), count as u64);
    }
}

#[test]
fn too_much_does_not_fit() {
    let big = vec![b'a'; 5000];
    let contents = StackContents { arguments: &[&big], environment: &[], exec_path: b"/x", auxv: &[], random: [0; 16] };
    assert!(build(&contents, TOP, 4096).is_none());
    assert!(build(&contents, TOP, 1 << 20).is_some());
}
