//! The developers' page.

use leptos::prelude::*;

use crate::model::{ApiReference, AppError};

/// The REST API and Meta's routes, read from the OpenAPI document the app serves.
#[server(endpoint = "developers/reference")]
pub async fn load_api_reference() -> Result<ApiReference, AppError> {
    Ok(crate::server::rest::reference())
}
