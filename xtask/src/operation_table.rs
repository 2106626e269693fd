//! The part of the generated module that progenitor does not write: what the spec says of
//! each operation (its `x-braze-*` extensions, method, path and request body) as named
//! statics, the `Operation` and `Permission` enums, and the declared fields of every
//! object schema.
//!
//! Everything the SDK, the fake and the CLI know about an operation comes from here, so a
//! new operation in the spec is a new `Operation` variant: every exhaustive `match` on it
//! stops the build until the new operation is handled there.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// The tokens of `pub mod spec { ... }`.
pub fn tokens(spec: &OpenAPI) -> Result<TokenStream, String> {
    let operations = operations(spec)?;
    let shapes = shapes(spec)?;

    // In order of first use, so that the create/update/delete of one family stay together.
    let mut permissions: Vec<&str> = Vec::new();
    for op in &operations {
        if !permissions.contains(&op.permission.as_str()) {
            permissions.push(&op.permission);
        }
    }
    let permission_variants: Vec<Ident> = permissions.iter().map(|p| pascal(p)).collect();
    let permission_names: Vec<&str> = permissions.clone();
    let permission_count = Literal::usize_unsuffixed(permission_names.len());
    let permission_docs: Vec<String> = permission_names.iter().map(|p| format!(" `{p}`")).collect();

    let statics = operations.iter().map(|op| {
        let name = screaming(&op.id);
        let variant = pascal(&op.id);
        let permission = pascal(&op.permission);
        let (id, path, idempotent) = (&op.id, &op.path, op.idempotent);
        let idempotency_key = match &op.idempotency_key {
            Some(field) => quote! { Some(#field) },
            None => quote! { None },
        };
        let rate_limit = Ident::new(op.rate_limit.variant(), Span::call_site());
        let method = Ident::new(&op.method, Span::call_site());
        let body = match &op.body {
            Some(schema) => {
                let shape = screaming(schema);
                quote! { Some(&shapes::#shape) }
            }
            None => quote! { None },
        };
        let doc = format!(" `{} {}`: {}.", op.method, op.path, op.summary);
        quote! {
            #[doc = #doc]
            pub static #name: OperationSpec = OperationSpec {
                operation: Operation::#variant,
                id: #id,
                method: http::Method::#method,
                path: #path,
                permission: Permission::#permission,
                idempotent: #idempotent,
                idempotency_key: #idempotency_key,
                rate_limit: crate::operations::RateLimitRule::#rate_limit,
                request_body: #body,
            };
        }
    });
    let bindings = operations.iter().map(|op| {
        let name = screaming(&op.id);
        let builder = pascal(&op.id);
        let answer = pascal(&op.answer);
        let request = request(op);
        // For an operation whose only input is its body: the builder made with it.
        let with_body = op
            .body
            .as_ref()
            .filter(|_| op.parameters.is_empty())
            .map(|schema| {
                let schema = pascal(schema);
                quote! {
                    impl<'a> crate::builder::#builder<'a> {
                        /// The builder with this body: what `new(client).body(body)` makes,
                        /// without the default body `new` builds first (whose builder
                        /// allocates a message for each required field, every request).
                        pub fn new_with_body(
                            client: &'a crate::Client,
                            body: crate::types::#schema,
                        ) -> Self {
                            Self { client, body: Ok(body.into()) }
                        }
                    }
                }
            });
        quote! {
            #with_body
            impl<'a> crate::operations::Bound<'a> for crate::builder::#builder<'a> {
                const SPEC: &'static OperationSpec = &#name;
                type Answer = crate::types::#answer;
                fn client(&self) -> &'a crate::Client {
                    self.client
                }
                #request
            }
        }
    });
    let variants: Vec<Ident> = operations.iter().map(|op| pascal(&op.id)).collect();
    let names: Vec<Ident> = operations.iter().map(|op| screaming(&op.id)).collect();
    let variant_docs: Vec<String> = operations
        .iter()
        .map(|op| format!(" `{}`: `{} {}`.", op.id, op.method, op.path))
        .collect();
    let count = Literal::usize_unsuffixed(operations.len());

    let shape_items = shapes.iter().map(|shape| {
        let name = screaming(&shape.schema);
        let schema = &shape.schema;
        let fields = shape.fields.iter().map(|(field, value)| {
            let value = match value {
                FieldValue::Plain => quote! { FieldValue::Plain },
                FieldValue::Object(inner) => {
                    let inner = screaming(inner);
                    quote! { FieldValue::Object(&#inner) }
                }
                FieldValue::List(inner) => {
                    let inner = screaming(inner);
                    quote! { FieldValue::List(&#inner) }
                }
            };
            quote! { Field { name: #field, value: #value } }
        });
        let doc = format!(" The properties the spec declares on `{schema}`.");
        quote! {
            #[doc = #doc]
            pub static #name: Shape = Shape { schema: #schema, fields: &[#(#fields),*] };
        }
    });

    Ok(quote! {
        /// What the spec says of each operation, generated from `openapi/braze.yaml` by
        /// `cargo xtask generate`: see [`crate::operations`].
        pub mod spec {
            use crate::operations::{Field, FieldValue, OperationSpec, Shape};

            #(#statics)*

            #(#bindings)*

            /// Every operation, in spec order.
            pub static OPERATIONS: [&OperationSpec; #count] = [#(&#names),*];

            /// The operations of the spec. Deliberately not `#[non_exhaustive]`: code that
            /// must handle every operation matches on it exhaustively, so that a new
            /// operation in the spec stops the build there.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum Operation {
                #(#[doc = #variant_docs] #variants,)*
            }

            impl Operation {
                /// Every operation, in spec order.
                pub const ALL: [Operation; #count] = [#(Operation::#variants),*];

                /// What the spec says of it.
                pub const fn spec(self) -> &'static OperationSpec {
                    match self {
                        #(Operation::#variants => &#names,)*
                    }
                }
            }

            /// The API-key permissions the operations need (their `x-braze-permission`),
            /// named as in Braze's dashboard.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
            pub enum Permission {
                #(#[doc = #permission_docs] #permission_variants,)*
            }

            impl Permission {
                /// Every permission an operation of the spec needs.
                pub const ALL: [Permission; #permission_count] =
                    [#(Permission::#permission_variants),*];

                /// The name Braze gives it, e.g. `campaigns.trigger.schedule.delete`.
                pub const fn as_str(self) -> &'static str {
                    match self {
                        #(Permission::#permission_variants => #permission_names,)*
                    }
                }
            }

            /// The declared properties of every object schema of the spec, with the
            /// schemas of those that are objects or lists of objects themselves.
            pub mod shapes {
                use crate::operations::{Field, FieldValue, Shape};

                #(#shape_items)*
            }
        }
    })
}

/// One operation, as the table (and the READMEs' tables) need it.
pub struct Op {
    pub id: String,
    /// Upper case, e.g. `POST`.
    pub method: String,
    pub path: String,
    /// The names of its required query parameters, in spec order.
    pub required_query: Vec<String>,
    /// Its path and query parameters, in spec order (the order of the builder's fields).
    parameters: Vec<Parameter>,
    summary: String,
    pub permission: String,
    idempotent: bool,
    /// The body field that makes a request safe to repeat when set (`x-braze-idempotency-key`).
    idempotency_key: Option<String>,
    rate_limit: RateLimitRule,
    /// The component schema of its JSON request body.
    body: Option<String>,
    /// The component schema of its successful (2XX) answer's JSON body.
    answer: String,
}

/// Every operation of the spec, in spec order, with its extensions checked.
pub fn operations(spec: &OpenAPI) -> Result<Vec<Op>, String> {
    let mut operations = Vec::new();
    for (path, item) in spec.paths.iter() {
        let item = item
            .as_item()
            .ok_or_else(|| format!("path {path}: a $ref path item is not supported"))?;
        for (method, operation) in item.iter() {
            let id = operation
                .operation_id
                .as_deref()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let permission = operation
                .extensions
                .get("x-braze-permission")
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("{id}: x-braze-permission (a string) is missing"))?;
            if permission.is_empty()
                || !permission
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
            {
                return Err(format!(
                    "{id}: x-braze-permission {permission:?} is not a Braze permission name \
                     (lowercase words joined by `.` or `_`)"
                ));
            }
            let idempotent = operation
                .extensions
                .get("x-braze-idempotent")
                .and_then(|v| v.as_bool())
                .ok_or_else(|| format!("{id}: x-braze-idempotent (true or false) is missing"))?;
            let rate_limit = match operation
                .extensions
                .get("x-braze-rate-limit")
                .and_then(|v| v.as_str())
            {
                Some("default") => RateLimitRule::Default,
                Some("broadcast-when-targeted") => RateLimitRule::BroadcastWhenTargeted,
                Some("send-ids-daily") => RateLimitRule::SendIdsDaily,
                other => {
                    return Err(format!(
                        "{id}: x-braze-rate-limit is {other:?}; give `default`, \
                         `broadcast-when-targeted` or `send-ids-daily`"
                    ));
                }
            };
            let idempotency_key = match operation.extensions.get("x-braze-idempotency-key") {
                None => None,
                Some(key) => Some(
                    key.as_str()
                        .ok_or_else(|| format!("{id}: x-braze-idempotency-key must be a string"))?
                        .to_owned(),
                ),
            };
            let body = match &operation.request_body {
                None => None,
                Some(ReferenceOr::Reference { .. }) => {
                    return Err(format!("{id}: a $ref request body is not supported"));
                }
                Some(ReferenceOr::Item(body)) => match body
                    .content
                    .get("application/json")
                    .and_then(|media| media.schema.as_ref())
                {
                    Some(ReferenceOr::Reference { reference }) => Some(component(reference)?),
                    Some(ReferenceOr::Item(_)) => {
                        return Err(format!(
                            "{id}: give the JSON request body a component schema ($ref), so \
                             that its type and its fields have a name"
                        ));
                    }
                    None => None,
                },
            };
            let answer = answer(spec, id, operation)?;
            if let Some(key) = &idempotency_key {
                let declared = body.as_deref().is_some_and(|schema| {
                    spec.components
                        .as_ref()
                        .and_then(|c| c.schemas.get(schema))
                        .and_then(ReferenceOr::as_item)
                        .is_some_and(|schema| match &schema.schema_kind {
                            SchemaKind::Type(Type::Object(object)) => {
                                object.properties.contains_key(key)
                            }
                            _ => false,
                        })
                });
                if !declared {
                    return Err(format!(
                        "{id}: x-braze-idempotency-key names {key:?}, which is not a declared \
                         field of its JSON request body"
                    ));
                }
            }
            let required_query = operation
                .parameters
                .iter()
                .filter_map(ReferenceOr::as_item)
                .filter_map(|parameter| match parameter {
                    openapiv3::Parameter::Query { parameter_data, .. }
                        if parameter_data.required =>
                    {
                        Some(parameter_data.name.clone())
                    }
                    _ => None,
                })
                .collect();
            let parameters = parameters(id, operation)?;
            errors_are_api_errors(id, operation)?;
            operations.push(Op {
                parameters,
                answer,
                id: id.to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                required_query,
                summary: operation.summary.clone().unwrap_or_default(),
                permission: permission.to_owned(),
                idempotent,
                idempotency_key,
                rate_limit,
                body,
            });
        }
    }
    Ok(operations)
}

/// A path or query parameter: the name of the builder's field and of the parameter.
struct Parameter {
    name: String,
    in_path: bool,
}

/// The path and query parameters of an operation, in spec order; other kinds (header,
/// cookie) are refused, as the generated `request` does not send them.
fn parameters(id: &str, operation: &openapiv3::Operation) -> Result<Vec<Parameter>, String> {
    operation
        .parameters
        .iter()
        .map(|parameter| match parameter {
            ReferenceOr::Item(openapiv3::Parameter::Path { parameter_data, .. }) => Ok(Parameter {
                name: parameter_data.name.clone(),
                in_path: true,
            }),
            ReferenceOr::Item(openapiv3::Parameter::Query { parameter_data, .. }) => {
                Ok(Parameter {
                    name: parameter_data.name.clone(),
                    in_path: false,
                })
            }
            _ => Err(format!(
                "{id}: only path and query parameters, written in place (no $ref), are \
                 supported by the generated `Bound::request` (xtask/src/operation_table.rs)"
            )),
        })
        .collect()
}

/// Checks that an operation's answers are read as `braze_api`'s `sending` reads them:
/// 2xx into its answer, 4xx and 5xx into the shared `Error` response (`ApiError`),
/// nothing else declared.
fn errors_are_api_errors(id: &str, operation: &openapiv3::Operation) -> Result<(), String> {
    use openapiv3::StatusCode;
    let refused = || {
        format!(
            "{id}: declare a 2XX answer and `4XX` and `5XX` as `#/components/responses/Error`, \
             nothing else: crates/braze-api/src/sending.rs reads every answer so"
        )
    };
    if operation.responses.default.is_some() {
        return Err(refused());
    }
    let mut ranges = Vec::new();
    for (status, response) in &operation.responses.responses {
        let range = match status {
            StatusCode::Range(range) => *range,
            StatusCode::Code(code) => code / 100,
        };
        if matches!(range, 4 | 5) {
            match response {
                ReferenceOr::Reference { reference }
                    if reference == "#/components/responses/Error" => {}
                _ => return Err(refused()),
            }
        } else if range != 2 {
            return Err(refused());
        }
        ranges.push(range);
    }
    if ![2, 4, 5].iter().all(|range| ranges.contains(range)) {
        return Err(refused());
    }
    Ok(())
}

/// The generated `Bound::request` of an operation: progenitor's `send` up to the request,
/// without its `api-version` header (which the hooks drop).
fn request(op: &Op) -> TokenStream {
    let builder = pascal(&op.id);
    let fields: Vec<Ident> = op
        .parameters
        .iter()
        .map(|p| Ident::new(&p.name, Span::call_site()))
        .collect();
    let body_field = op.body.as_ref().map(|_| quote! { body });
    let body = op.body.as_ref().map(|schema| {
        let schema = pascal(schema);
        quote! {
            let body = body
                .and_then(|v| crate::types::#schema::try_from(v).map_err(|e| e.to_string()))
                .map_err(crate::Error::InvalidRequest)?;
        }
    });
    let json = op.body.as_ref().map(|_| quote! { .json(&body) });
    // The URL as progenitor writes it: the base URL, then the path with each parameter
    // percent-encoded.
    let mut template = String::from("{}");
    let mut path_values = Vec::new();
    for segment in op.path.split('/').skip(1) {
        template.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                template.push_str("{}");
                let name = Ident::new(name, Span::call_site());
                path_values.push(quote! { progenitor_client::encode_path(&#name.to_string()) });
            }
            None => template.push_str(segment),
        }
    }
    let queries = op.parameters.iter().filter(|p| !p.in_path).map(|p| {
        let (name, field) = (&p.name, Ident::new(&p.name, Span::call_site()));
        quote! { .query(&progenitor_client::QueryParam::new(#name, &#field)) }
    });
    let method = Ident::new(&op.method.to_lowercase(), Span::call_site());
    let url = if path_values.is_empty() {
        // No parameter: a concatenation, cheaper than `format!`, same text.
        let path = &op.path;
        quote! { [client.baseurl.as_str(), #path].concat() }
    } else {
        quote! { format!(#template, client.baseurl #(, #path_values)*) }
    };
    quote! {
        fn request(self) -> Result<reqwest::Request, crate::Error<crate::types::ApiError>> {
            let crate::builder::#builder { client, #(#fields,)* #body_field } = self;
            #(let #fields = #fields.map_err(crate::Error::InvalidRequest)?;)*
            #body
            let url = #url;
            Ok(client
                .client
                .#method(url)
                .header(
                    reqwest::header::ACCEPT,
                    reqwest::header::HeaderValue::from_static("application/json"),
                )
                #json
                #(#queries)*
                .build()?)
        }
    }
}

/// The component schema of an operation's successful answer: the JSON body of its `2XX`
/// response (or `200` / `201`), itself a reference to a component response.
fn answer(spec: &OpenAPI, id: &str, operation: &openapiv3::Operation) -> Result<String, String> {
    use openapiv3::StatusCode;
    let response = operation
        .responses
        .responses
        .iter()
        .find(|(status, _)| match status {
            StatusCode::Range(range) => *range == 2,
            StatusCode::Code(code) => (200..300).contains(code),
        })
        .map(|(_, response)| response)
        .ok_or_else(|| format!("{id}: no 2XX response"))?;
    let response = match response {
        ReferenceOr::Item(response) => response,
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| format!("{id}: {reference} is not a component response"))?;
            spec.components
                .as_ref()
                .and_then(|c| c.responses.get(name))
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| format!("{id}: no component response {name}"))?
        }
    };
    match response
        .content
        .get("application/json")
        .and_then(|media| media.schema.as_ref())
    {
        Some(ReferenceOr::Reference { reference }) => component(reference),
        _ => Err(format!(
            "{id}: give the 2XX answer a JSON body with a component schema ($ref)"
        )),
    }
}

/// An operation's `x-braze-rate-limit`.
#[derive(Clone, Copy)]
enum RateLimitRule {
    Default,
    BroadcastWhenTargeted,
    SendIdsDaily,
}

impl RateLimitRule {
    /// Its variant of `braze_api::operations::RateLimitRule`.
    fn variant(self) -> &'static str {
        match self {
            RateLimitRule::Default => "Default",
            RateLimitRule::BroadcastWhenTargeted => "BroadcastWhenTargeted",
            RateLimitRule::SendIdsDaily => "SendIdsDaily",
        }
    }
}

/// The name of the component schema a `$ref` points at.
fn component(reference: &str) -> Result<String, String> {
    reference
        .strip_prefix("#/components/schemas/")
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("{reference}: only references to #/components/schemas/ are supported")
        })
}

/// What a declared property holds, as far as walking a body is concerned.
enum FieldValue {
    /// A scalar, a free-form object, a list of scalars, or a choice of shapes.
    Plain,
    /// An object with declared properties, by component name.
    Object(String),
    /// A list of such objects.
    List(String),
}

struct ShapeDef {
    schema: String,
    fields: Vec<(String, FieldValue)>,
}

/// Every component schema that is an object with declared properties.
fn shapes(spec: &OpenAPI) -> Result<Vec<ShapeDef>, String> {
    let Some(components) = &spec.components else {
        return Ok(Vec::new());
    };
    let schemas = &components.schemas;
    let declared = |name: &str| -> bool {
        matches!(
            schemas.get(name),
            Some(ReferenceOr::Item(Schema { schema_kind: SchemaKind::Type(Type::Object(object)), .. }))
                if !object.properties.is_empty()
        )
    };
    // A property's value: a reference (possibly through a one-element allOf) to a shaped
    // component, or a list of them.
    let value = |schema: &ReferenceOr<Box<Schema>>| -> Result<FieldValue, String> {
        let target = |schema: &ReferenceOr<Box<Schema>>| -> Result<Option<String>, String> {
            match schema {
                ReferenceOr::Reference { reference } => Ok(Some(component(reference)?)),
                ReferenceOr::Item(item) => match &item.schema_kind {
                    SchemaKind::AllOf { all_of } if all_of.len() == 1 => match &all_of[0] {
                        ReferenceOr::Reference { reference } => Ok(Some(component(reference)?)),
                        ReferenceOr::Item(_) => Ok(None),
                    },
                    SchemaKind::Type(Type::Object(object)) if !object.properties.is_empty() => Err(
                        "an inline object with properties: make it a component schema, so that \
                         its type and its fields have a name"
                            .to_owned(),
                    ),
                    _ => Ok(None),
                },
            }
        };
        if let Some(name) = target(schema)? {
            return Ok(if declared(&name) {
                FieldValue::Object(name)
            } else {
                FieldValue::Plain
            });
        }
        if let ReferenceOr::Item(item) = schema
            && let SchemaKind::Type(Type::Array(array)) = &item.schema_kind
            && let Some(items) = &array.items
            && let Some(name) = target(items)?
            && declared(&name)
        {
            return Ok(FieldValue::List(name));
        }
        Ok(FieldValue::Plain)
    };
    let mut shapes = Vec::new();
    for (name, schema) in schemas {
        let ReferenceOr::Item(Schema {
            schema_kind: SchemaKind::Type(Type::Object(object)),
            ..
        }) = schema
        else {
            continue;
        };
        if object.properties.is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        for (field, property) in &object.properties {
            let value = value(property).map_err(|e| format!("{name}.{field}: {e}"))?;
            fields.push((field.clone(), value));
        }
        shapes.push(ShapeDef {
            schema: name.clone(),
            fields,
        });
    }
    Ok(shapes)
}

/// `create_campaign_schedule` → `CreateCampaignSchedule`; `messages.schedule_broadcasts` →
/// `MessagesScheduleBroadcasts`.
fn pascal(name: &str) -> Ident {
    let mut out = String::new();
    for word in name.split(['_', '.', '-']).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    Ident::new(&out, Span::call_site())
}

/// `create_campaign_schedule` → `CREATE_CAMPAIGN_SCHEDULE`; `CampaignScheduleCreateRequest`
/// → `CAMPAIGN_SCHEDULE_CREATE_REQUEST`.
fn screaming(name: &str) -> Ident {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' {
            out.push('_');
            previous_lower = false;
        } else if c.is_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.extend(c.to_uppercase());
            previous_lower = false;
        } else {
            out.extend(c.to_uppercase());
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    Ident::new(&out, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_converted() {
        assert_eq!(
            pascal("create_campaign_schedule").to_string(),
            "CreateCampaignSchedule"
        );
        assert_eq!(
            pascal("messages.schedule_broadcasts").to_string(),
            "MessagesScheduleBroadcasts"
        );
        assert_eq!(
            screaming("delete_canvas_schedule").to_string(),
            "DELETE_CANVAS_SCHEDULE"
        );
        assert_eq!(
            screaming("CampaignScheduleCreateRequest").to_string(),
            "CAMPAIGN_SCHEDULE_CREATE_REQUEST"
        );
        assert_eq!(screaming("UserAlias").to_string(), "USER_ALIAS");
    }
}
