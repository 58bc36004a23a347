//! A software passkey for the HTTP tests: an ES256 key per credential, discoverable (it keeps
//! the user handle), answering the WebAuthn JSON the server sends the way a browser would
//! (`PublicKeyCredential.toJSON()`). The browser tests use Chromium's virtual authenticator.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD as B64, Engine};
use openssl::{
    bn::{BigNum, BigNumContext},
    ec::{EcGroup, EcKey},
    hash::MessageDigest,
    nid::Nid,
    pkey::{PKey, Private},
    sign::Signer,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One stored credential.
pub struct Credential {
    /// Its ID.
    pub id: Vec<u8>,
    key: PKey<Private>,
    user_handle: Vec<u8>,
    rp_id: String,
    counter: u32,
}

/// An authenticator holding discoverable credentials, for one origin.
pub struct SoftPasskey {
    origin: String,
    /// The credentials it made.
    pub credentials: Vec<Credential>,
}

fn cbor_head(major: u8, len: usize) -> Vec<u8> {
    let m = major << 5;
    match len {
        0..=23 => vec![m | len as u8],
        24..=255 => vec![m | 24, len as u8],
        _ => {
            let mut v = vec![m | 25];
            v.extend_from_slice(&(len as u16).to_be_bytes());
            v
        }
    }
}

fn cbor_text(s: &str) -> Vec<u8> {
    let mut v = cbor_head(3, s.len());
    v.extend_from_slice(s.as_bytes());
    v
}

fn cbor_bytes(b: &[u8]) -> Vec<u8> {
    let mut v = cbor_head(2, b.len());
    v.extend_from_slice(b);
    v
}

fn field(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} in {v}"))
        .to_owned()
}

impl SoftPasskey {
    /// An authenticator for pages served at `origin` (e.g. `http://localhost:3000`).
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.trim_end_matches('/').to_owned(),
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false })
            .to_string()
            .into_bytes()
    }

    /// Answers `navigator.credentials.create()` options: a new credential.
    pub fn create(&mut self, options: &Value) -> Value {
        let challenge = field(options, "/publicKey/challenge");
        let rp_id = field(options, "/publicKey/rp/id");
        let user_handle = B64.decode(field(options, "/publicKey/user/id")).unwrap();
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let ec = EcKey::generate(&group).unwrap();
        let (mut x, mut y) = (BigNum::new().unwrap(), BigNum::new().unwrap());
        let mut ctx = BigNumContext::new().unwrap();
        ec.public_key()
            .affine_coordinates(&group, &mut x, &mut y, &mut ctx)
            .unwrap();
        let (x, y) = (x.to_vec_padded(32).unwrap(), y.to_vec_padded(32).unwrap());
        let id: Vec<u8> = (0..16).map(|_| rand_byte()).collect();

        // COSE_Key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cose.extend(cbor_bytes(&x));
        cose.push(0x22);
        cose.extend(cbor_bytes(&y));

        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(0x45); // user present, user verified, attested credential data
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend(cose);

        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));

        let client_data = self.client_data("webauthn.create", &challenge);
        self.credentials.push(Credential {
            id: id.clone(),
            key: PKey::from_ec_key(ec).unwrap(),
            user_handle,
            rp_id,
            counter: 0,
        });
        json!({
            "id": B64.encode(&id), "rawId": B64.encode(&id), "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "attestationObject": B64.encode(&attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }

    /// Answers `navigator.credentials.get()` options with credential `index`.
    pub fn get(&mut self, options: &Value, index: usize) -> Value {
        let challenge = field(options, "/publicKey/challenge");
        let client_data = self.client_data("webauthn.get", &challenge);
        let c = &mut self.credentials[index];
        c.counter += 1;
        let mut auth_data = Sha256::digest(c.rp_id.as_bytes()).to_vec();
        auth_data.push(0x05); // user present, user verified
        auth_data.extend_from_slice(&c.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let mut signer = Signer::new(MessageDigest::sha256(), &c.key).unwrap();
        signer.update(&signed).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        json!({
            "id": B64.encode(&c.id), "rawId": B64.encode(&c.id), "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(&client_data),
                "authenticatorData": B64.encode(&auth_data),
                "signature": B64.encode(&signature),
                "userHandle": B64.encode(&c.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        })
    }
}

fn rand_byte() -> u8 {
    let mut b = [0u8; 1];
    openssl::rand::rand_bytes(&mut b).unwrap();
    b[0]
}
