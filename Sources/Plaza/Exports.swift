// Plaza: the public API. Core value types (Value, DataType, Field, Schema, SourceSpan) are part of it.
@_exported public import PlazaCore
