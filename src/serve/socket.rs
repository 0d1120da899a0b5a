//! The control socket: `keyctl.sock` in the store directory, through which CLI commands
//! write to the store while the server holds it (see [`crate::control`]).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use super::AppState;
use crate::control::{self, MAX_LINE, SOCKET_NAME};
use crate::error::{Error, Result};

/// The running control socket; removes its file when stopped.
pub struct ControlSocket {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl ControlSocket {
    /// Stops accepting and removes the socket file.
    pub fn stop(self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds the socket (mode 0600) in the store directory and starts answering. A database
/// store has no directory and needs no socket: the CLI writes to the database itself.
pub fn start(state: Arc<AppState>) -> Result<Option<ControlSocket>> {
    let Some(directory) = state.store.directory() else {
        return Ok(None);
    };
    let path = directory.join(SOCKET_NAME);
    // We hold the store's lock, so a socket file left here is from a server that died.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).map_err(|e| Error::io(&path, e))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(&path, e))?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(30), answer(stream, state)).await;
            });
        }
    });
    Ok(Some(ControlSocket { path, task }))
}

async fn answer(stream: UnixStream, state: Arc<AppState>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = Vec::new();
    let mut reader = BufReader::new(read.take(MAX_LINE as u64));
    reader.read_until(b'\n', &mut line).await?;
    let store_state = Arc::clone(&state);
    let (reply, op) = tokio::task::spawn_blocking(move || {
        control::answer(&store_state.store, &line, crate::time::now())
    })
    .await
    .map_err(std::io::Error::other)?;
    if let Some(op) = op {
        tracing::info!("control: {}", op_name(&op));
        if op.changes_statuses() {
            state.status_changed();
        }
        if op.changes_keys() {
            if let Err(err) = state.reload_keys() {
                tracing::error!("reloading keys failed: {err}");
            }
        }
    }
    write.write_all(&reply).await?;
    write.shutdown().await
}

fn op_name(op: &control::Op) -> &'static str {
    match op {
        control::Op::IssueLicense { .. } => "issue license",
        control::Op::SetLicenseStatus { .. } => "set license status",
        control::Op::AddProduct { .. } => "add product",
        control::Op::RotateKey { .. } => "rotate key",
        control::Op::RetireKey { .. } => "retire key",
        control::Op::RemoveActivation { .. } => "remove activation",
        control::Op::MachineCheckout(_) => "machine checkout",
        control::Op::MachineGrant { .. } => "machine grant",
        control::Op::PublishStatusList { .. } => "publish status list",
        control::Op::StatusUri { uri: Some(_) } => "set status list URI",
        control::Op::StatusUri { uri: None } => "read",
        control::Op::ListLicenses { .. }
        | control::Op::ShowLicense { .. }
        | control::Op::ListProducts
        | control::Op::ShowProduct { .. }
        | control::Op::ListKeys
        | control::Op::ListActivations { .. } => "read",
    }
}
