//! [`command_header!`](crate::command_header): declares a header struct and its
//! [`CommandHeader`](crate::header::CommandHeader) impl.

/// Declares a custom header: the struct (fields `pub`, deriving `Debug, Clone, PartialEq,
/// Default`) and its [`CommandHeader`](crate::header::CommandHeader) impl.
///
/// Each field is `<mode> <rust name>: <type> = "<wire key>"`, where mode is
/// - `req`: required; the field has type `T`, and decoding fails with
///   [`HeaderError::Missing`](crate::header::HeaderError::Missing) when the key is absent;
/// - `opt`: optional; the field has type `Option<T>`, `None` is not written.
///
/// `T` must implement [`HeaderValue`](crate::header::HeaderValue). Attributes (doc comments)
/// on the struct and on fields are passed through. Keys not declared are ignored on input
/// (e.g. the 5.x RPC fields `ns`, `nsd`, `bname`, `oway`, `lo`).
///
/// ```
/// cometmq_remoting::command_header! {
///     /// GET_MIN_OFFSET (31) request.
///     pub struct MyHeader {
///         /// The topic.
///         req topic: String = "topic",
///         /// The queue.
///         req queue_id: i32 = "queueId",
///         /// Only when asked for.
///         opt committed: bool = "committed",
///     }
/// }
/// use cometmq_remoting::header::CommandHeader;
/// let h = MyHeader { topic: "T".into(), queue_id: 3, committed: None };
/// let fields = h.to_ext_fields();
/// assert_eq!(fields.get("queueId"), Some("3"));
/// assert!(!fields.contains_key("committed"));
/// assert_eq!(MyHeader::read_from(&fields), Ok(h));
/// ```
#[macro_export]
macro_rules! command_header {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                $mode:ident $field:ident : $ty:ty = $key:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        $vis struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $crate::command_header!(@type $mode $ty),
            )*
        }

        impl $crate::header::CommandHeader for $name {
            const FIELDS: &'static [$crate::header::HeaderField] = &[
                $(
                    $crate::header::HeaderField {
                        key: $key,
                        required: $crate::command_header!(@required $mode),
                    },
                )*
            ];

            fn write_to(&self, fields: &mut $crate::command::ExtFields) {
                $(
                    $crate::command_header!(@write $mode fields, $key, &self.$field);
                )*
            }

            fn read_from(
                fields: &$crate::command::ExtFields,
            ) -> ::std::result::Result<Self, $crate::header::HeaderError> {
                ::std::result::Result::Ok($name {
                    $(
                        $field: $crate::command_header!(@read $mode $ty, fields, $key)?,
                    )*
                })
            }
        }
    };

    (@type req $ty:ty) => { $ty };
    (@type opt $ty:ty) => { ::std::option::Option<$ty> };

    (@required req) => { true };
    (@required opt) => { false };

    (@write req $fields:ident, $key:literal, $value:expr) => {
        $crate::header::write_value($fields, $key, $value)
    };
    (@write opt $fields:ident, $key:literal, $value:expr) => {
        $crate::header::write_optional($fields, $key, $value)
    };

    (@read req $ty:ty, $fields:ident, $key:literal) => {
        $crate::header::read_required::<$ty>($fields, $key)
    };
    (@read opt $ty:ty, $fields:ident, $key:literal) => {
        $crate::header::read_optional::<$ty>($fields, $key)
    };
}
