#!/usr/bin/env python3
"""Records the byte streams in this folder: each program runs in a pty of 24x80 with
TERM=xterm-256color, keystrokes are sent on a schedule, and everything the program writes is
kept (cut at 190 KiB). The streams are replayed by test_term_sessions against libvterm's
VTermScreen. Regenerate with: python3 record.py [name...] (outputs vary run to run)."""
import fcntl, os, pty, select, struct, sys, termios, time

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 190 * 1024
ESC = '\x1b'


def record(name, argv, keys=(), timeout=10.0, env=None):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
        e = dict(os.environ, TERM='xterm-256color', LINES='24', COLUMNS='80', LANG='C.UTF-8')
        e.update(env or {})
        os.chdir('/tmp/bt-sessions')
        os.execvpe(argv[0], argv, e)
    out = bytearray()
    start = time.time()
    pending = list(keys)
    while True:
        now = time.time() - start
        while pending and pending[0][0] <= now:
            os.write(fd, pending.pop(0)[1].encode())
        if now > timeout:
            os.kill(pid, 9)
            break
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
    os.waitpid(pid, 0)
    with open(os.path.join(HERE, name + '.bin'), 'wb') as f:
        f.write(bytes(out[:LIMIT]))
    print(name, len(out[:LIMIT]), 'bytes')


def main():
    tmp = '/tmp/bt-sessions'
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, 'rand.bin'), 'wb') as f:
        f.write(os.urandom(2048))
    with open(os.path.join(tmp, 'edit.txt'), 'w') as f:
        for i in range(60):
            f.write('line %d: the quick brown fox jumps over the lazy dog, \u00e9t\u00e9 \u4e2d\u6587\n' % i)
    with open(os.path.join(tmp, 'long.txt'), 'w') as f:
        for i in range(400):
            f.write('%05d ' % i + 'lorem ipsum dolor sit amet ' * (1 + i % 5) + '\n')
    s = {
        'ls_color': (['ls', '--color=always', '-la', '/usr/bin'], []),
        'od_cx': (['od', '-cx', os.path.join(tmp, 'rand.bin')], []),
        'vim_edit': (['vim', '-u', 'NONE', '-N', '-c', 'syntax on', os.path.join(tmp, 'edit.txt')],
                     [(1.0, 'G'), (1.4, 'ohello, world' + ESC), (1.8, 'yyp'), (2.2, 'gg'),
                      (2.6, ':%s/fox/cat/g\r'), (3.0, '\x06'), (3.4, '\x06'), (3.8, 'dd'),
                      (4.2, ':set number\r'), (4.6, '\x02'), (5.0, ':q!\r')]),
        'less_file': (['less', os.path.join(tmp, 'long.txt')],
                      [(1.0, ' '), (1.3, ' '), (1.6, '/ipsum dolor sit amet lorem\r'),
                       (2.0, 'G'), (2.4, 'g'), (2.8, 'q')]),
        'top_batch': (['top', '-b', '-n', '2', '-d', '0.5'], []),
        'top_pty': (['top', '-d', '0.5'], [(1.6, 'q')]),
        'tput_clear': (['sh', '-c', 'tput clear; tput cup 5 10; echo hi; tput setaf 1; '
                        'echo red; tput setab 4; tput bold; echo bold on blue; tput sgr0; '
                        'tput smcup; echo on the alternate screen; tput rmcup; tput cup 20 0; '
                        'printf "%0200d\\n" 0; tput rev; echo reverse; tput sgr0'], []),
        'bash_prompt': (['bash', '--norc', '--noprofile', '-i'],
                        [(0.5, 'PS1="\\[\\e[1;32m\\]\\u@bt\\[\\e[0m\\]:\\w\\$ "\r'),
                         (0.9, 'printf "%0150d\\n" 7\r'), (1.3, 'echo $((6*7)) \u00e9t\u00e9\r'),
                         (1.7, 'seq 1 30\r'), (2.1, 'ls --color=always /\r'),
                         (2.5, 'echo abc\x01\x0b\r'), (2.9, 'exit\r')],
                        {'HOME': tmp}),
    }
    names = sys.argv[1:] or list(s)
    for n in names:
        argv, keys = s[n][0], s[n][1]
        env = s[n][2] if len(s[n]) > 2 else None
        record(n, argv, keys, env=env)


if __name__ == '__main__':
    main()
