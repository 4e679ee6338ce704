// Plaza: the public API. Core value types (Value, DataType, Field, Schema, SourceSpan, Interval) are part of it;
// they are PlazaCore's only public declarations (the engine modules use `package` access, Tests/API checks it).
@_exported public import PlazaCore
