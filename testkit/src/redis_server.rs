//! A real `redis-server` on 127.0.0.1 for fleet cache tests: started on a
//! free port, stopped by PID when dropped, with a tiny RESP client to
//! inspect and misconfigure it (`KEYS`, `CONFIG SET maxmemory`, `DEBUG SLEEP`).

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

/// A Redis reply, as far as the tests need one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK` and other status lines.
    Status(String),
    /// `-ERR …`.
    Error(String),
    /// `:n`.
    Integer(i64),
    /// A bulk string (`None`: nil).
    Bulk(Option<Vec<u8>>),
    /// An array of replies.
    Array(Vec<Reply>),
}

impl RedisServer {
    /// Starts `redis-server` (from `PATH`) without persistence on a free port.
    pub fn start() -> io::Result<RedisServer> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let mut server = RedisServer { child: None, port };
        server.launch()?;
        Ok(server)
    }

    #[allow(clippy::disallowed_methods)] // a test helper waits in real time
    fn launch(&mut self) -> io::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot start redis-server (apt-get install redis-server; scripts/setup.sh does): {e}")))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Reply::Status(pong)) = self.command(&["PING"])
                && pong == "PONG"
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(io::Error::other(
            "redis-server did not answer PING within 10 s",
        ))
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (SIGKILL); [`restart`](Self::restart) brings it back
    /// on the same port, empty.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port.
    pub fn restart(&mut self) -> io::Result<()> {
        self.stop();
        self.launch()
    }

    /// Sends one command and reads its reply.
    pub fn command(&self, args: &[&str]) -> io::Result<Reply> {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            let _ = write!(request, "${}\r\n{arg}\r\n", arg.len());
        }
        stream.write_all(request.as_bytes())?;
        read_reply(&mut BufReader::new(stream))
    }

    /// Every key and its value (strings only), for checking what Redis holds.
    pub fn dump(&self) -> io::Result<Vec<(String, Vec<u8>)>> {
        let Reply::Array(keys) = self.command(&["KEYS", "*"])? else {
            return Err(io::Error::other("KEYS did not answer an array"));
        };
        let mut all = Vec::new();
        for key in keys {
            let Reply::Bulk(Some(name)) = key else {
                continue;
            };
            let name = String::from_utf8_lossy(&name).into_owned();
            if let Reply::Bulk(Some(value)) = self.command(&["GET", &name])? {
                all.push((name, value));
            }
        }
        Ok(all)
    }
}

fn read_reply(reader: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let line = line.trim_end_matches("\r\n");
    let (kind, rest) = line.split_at(line.len().min(1));
    let number = || {
        rest.parse::<i64>()
            .map_err(|_| io::Error::other(format!("bad reply {line:?}")))
    };
    Ok(match kind {
        "+" => Reply::Status(rest.to_owned()),
        "-" => Reply::Error(rest.to_owned()),
        ":" => Reply::Integer(number()?),
        "$" => match number()? {
            -1 => Reply::Bulk(None),
            len => {
                let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0) + 2];
                reader.read_exact(&mut bytes)?;
                bytes.truncate(bytes.len() - 2);
                Reply::Bulk(Some(bytes))
            }
        },
        "*" => {
            let count = number()?;
            let mut items = Vec::new();
            for _ in 0..count.max(0) {
                items.push(read_reply(reader)?);
            }
            Reply::Array(items)
        }
        _ => return Err(io::Error::other(format!("bad reply {line:?}"))),
    })
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
