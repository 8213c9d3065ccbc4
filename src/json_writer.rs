//! Pretty JSON with every object's keys sorted, written straight from a `Serialize` type: the
//! text `serde_json::to_string_pretty(&serde_json::to_value(x))` gives, without building the
//! `Value` tree in between (for the gap report that tree was megabytes of small allocations).
//!
//! Objects are written in the order the type gives its fields; an object whose keys are not
//! already sorted is reordered in the buffer when it ends (a later duplicate key wins, as in a
//! `Value` map). Indentation depends only on depth, so moving an entry never changes its text.
//! Keys sort as `str` does (byte order), so a struct whose fields are declared in that order
//! costs no reordering; [`unsorted_structs`] lists those that are not.

use serde::ser::{self, Serialize};
use std::fmt;

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, Error>;

/// `value` as pretty JSON (two-space indent) with sorted object keys, and no final newline.
/// `capacity` is the expected length: reserving it once avoids growing (and copying) the buffer.
pub fn to_string<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Result<String> {
    let mut w = Writer::new(capacity);
    value.serialize(&mut w)?;
    // Only whole strings, escaped at ASCII bytes, numbers and punctuation are written.
    String::from_utf8(w.out).map_err(|e| Error(e.to_string()))
}

/// The names of the structs (and struct variants) in `value` whose fields are not declared in
/// key order, so that writing them costs a reordering; for tests.
pub fn unsorted_structs<T: Serialize + ?Sized>(value: &T) -> Result<std::collections::BTreeSet<&'static str>> {
    let mut w = Writer::new(0);
    value.serialize(&mut w)?;
    Ok(w.unsorted_structs.into_iter().collect())
}

struct Writer {
    out: Vec<u8>,
    depth: usize,
    /// The entries of every object being written, outermost first: each object owns those from
    /// its `base` on (one vector for all, rather than one per object).
    entries: Vec<Entry>,
    /// The text of map keys of the objects being written (struct keys are `'static`).
    keys: String,
    /// Reused by `Object::reorder`.
    scratch: Vec<u8>,
    order: Vec<usize>,
    unsorted_structs: Vec<&'static str>,
}

impl Writer {
    fn new(capacity: usize) -> Writer {
        Writer { out: Vec::with_capacity(capacity), depth: 0, entries: Vec::new(), keys: String::new(), scratch: Vec::new(), order: Vec::new(), unsorted_structs: Vec::new() }
    }

    fn newline(&mut self) {
        newline(&mut self.out, self.depth);
    }

    fn string(&mut self, s: &str) {
        string(&mut self.out, s);
    }

    fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.depth += 1;
    }

    fn close(&mut self, bracket: u8, any: bool) {
        self.depth -= 1;
        if any {
            self.newline();
        }
        self.out.push(bracket);
    }

    fn object(&mut self, name: Option<&'static str>) -> Object<'_> {
        self.open(b'{');
        let (start, base, keys) = (self.out.len(), self.entries.len(), self.keys.len());
        Object { w: self, start, base, keys, sorted: true, name }
    }

    fn array(&mut self) -> Array<'_> {
        self.open(b'[');
        Array { w: self, any: false }
    }

    /// `{"variant": ` of an enum variant with data; the caller writes the data and closes.
    fn variant(&mut self, variant: &str) {
        self.open(b'{');
        self.newline();
        self.string(variant);
        self.out.extend_from_slice(b": ");
    }

    fn key_text(&self, key: Key) -> &str {
        match key {
            Key::Static(k) => k,
            Key::Map(from, to) => &self.keys[from..to],
        }
    }
}

/// `s` quoted and escaped as serde_json does: `"`, backslash and control characters, nothing else.
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Nearly all text needs no escape: checked eight bytes at a time, then copied whole.
    let words = bytes.chunks_exact(8);
    let clean = words.remainder().iter().all(|&b| !escaped(b)) && words.into_iter().all(|w| !any_escaped(u64::from_le_bytes(w.try_into().expect("eight bytes"))));
    if clean {
        out.extend_from_slice(bytes);
    } else {
        let mut run = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if escaped(b) {
                out.extend_from_slice(&bytes[run..i]);
                run = i + 1;
                escape(out, b);
            }
        }
        out.extend_from_slice(&bytes[run..]);
    }
    out.push(b'"');
}

fn escaped(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether a byte of `word` is below 0x20, `"` or a backslash (exact: the has-a-zero-byte test).
fn any_escaped(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    below(word, 0x20) | below(word ^ (ONES * u64::from(b'"')), 1) | below(word ^ (ONES * u64::from(b'\\')), 1) != 0
}

fn escape(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
        }
    }
}

fn newline(out: &mut Vec<u8>, depth: usize) {
    out.push(b'\n');
    out.resize(out.len() + 2 * depth, b' ');
}

pub struct Array<'a> {
    w: &'a mut Writer,
    any: bool,
}

impl<'a> Array<'a> {
    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        if self.any {
            self.w.out.push(b',');
        }
        self.any = true;
        self.w.newline();
        v.serialize(&mut *self.w)
    }

    fn end(self) -> &'a mut Writer {
        self.w.close(b']', self.any);
        self.w
    }
}

/// An object key: a struct field's name, or a map key's text in `Writer::keys`.
#[derive(Clone, Copy)]
enum Key {
    Static(&'static str),
    Map(usize, usize),
}

/// One entry of an object being written: its key, and where `"key": value` lies in the buffer.
struct Entry {
    key: Key,
    from: usize,
    to: usize,
}

pub struct Object<'a> {
    w: &'a mut Writer,
    /// Where the entries' text begins (after `{`).
    start: usize,
    /// Where this object's entries begin in `Writer::entries`, and its keys in `Writer::keys`.
    base: usize,
    keys: usize,
    sorted: bool,
    /// The struct's name; `None` for a map.
    name: Option<&'static str>,
}

impl<'a> Object<'a> {
    fn key(&mut self, key: Key) {
        let w = &mut *self.w;
        if w.entries.len() > self.base {
            w.out.push(b',');
            if self.sorted && w.key_text(w.entries[w.entries.len() - 1].key) >= w.key_text(key) {
                self.sorted = false;
            }
        }
        newline(&mut w.out, w.depth);
        let from = w.out.len();
        let text = match key {
            Key::Static(k) => k,
            Key::Map(a, b) => &w.keys[a..b],
        };
        string(&mut w.out, text);
        w.out.extend_from_slice(b": ");
        w.entries.push(Entry { key, from, to: from });
    }

    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        v.serialize(&mut *self.w)?;
        // Inner objects have dropped their entries: this object's last is the last one.
        let to = self.w.out.len();
        if let Some(e) = self.w.entries.last_mut() {
            e.to = to;
        }
        Ok(())
    }

    fn end(mut self) -> &'a mut Writer {
        if !self.sorted {
            self.reorder();
            self.w.unsorted_structs.extend(self.name);
        }
        let any = self.w.entries.len() > self.base;
        self.w.entries.truncate(self.base);
        self.w.keys.truncate(self.keys);
        self.w.close(b'}', any);
        self.w
    }

    /// Rewrites the entries in key order, keeping the last of equal keys.
    fn reorder(&mut self) {
        let w = &mut *self.w;
        let mut text = std::mem::take(&mut w.scratch);
        let mut order = std::mem::take(&mut w.order);
        text.clear();
        text.extend_from_slice(&w.out[self.start..]);
        w.out.truncate(self.start);
        let entries = &w.entries[self.base..];
        order.clear();
        order.extend(0..entries.len());
        // Stable: among equal keys the last written comes last, and is the one kept.
        order.sort_by(|a, b| w.key_text(entries[*a].key).cmp(w.key_text(entries[*b].key)));
        let mut any = false;
        for (n, i) in order.iter().enumerate() {
            let e = &entries[*i];
            if order.get(n + 1).is_some_and(|next| w.key_text(entries[*next].key) == w.key_text(e.key)) {
                continue;
            }
            if any {
                w.out.push(b',');
            }
            any = true;
            newline(&mut w.out, w.depth);
            w.out.extend_from_slice(&text[e.from - self.start..e.to - self.start]);
        }
        w.scratch = text;
        w.order = order;
    }
}

macro_rules! number {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<()> {
            serde_json::to_writer(&mut self.out, &v).expect("writing to memory");
            Ok(())
        })*
    };
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Variant<Array<'a>>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Variant<Object<'a>>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    number!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);

    fn serialize_f32(self, v: f32) -> Result<()> {
        // A `Value` holds every float as f64.
        self.serialize_f64(v as f64)
    }

    fn serialize_f64(self, v: f64) -> Result<()> {
        // Non-finite numbers are `null`, as in a `Value`.
        serde_json::to_writer(&mut self.out, &v).expect("writing to memory");
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<()> {
        self.string(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        let mut a = self.array();
        for b in v {
            a.item(b)?;
        }
        a.end();
        Ok(())
    }

    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<()> {
        v.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, v: &T) -> Result<()> {
        self.variant(variant);
        v.serialize(&mut *self)?;
        self.close(b'}', true);
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Array<'a>> {
        Ok(self.array())
    }

    fn serialize_tuple(self, _: usize) -> Result<Array<'a>> {
        Ok(self.array())
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Array<'a>> {
        Ok(self.array())
    }

    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Variant<Array<'a>>> {
        self.variant(variant);
        Ok(Variant(self.array()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Object<'a>> {
        Ok(self.object(None))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Object<'a>> {
        Ok(self.object(Some(name)))
    }

    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Variant<Object<'a>>> {
        self.variant(variant);
        Ok(Variant(self.object(Some(variant))))
    }
}

/// A tuple or struct variant: `{"variant": [...]}` or `{"variant": {...}}`.
pub struct Variant<T>(T);

impl ser::SerializeSeq for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.item(v)
    }
    fn end(self) -> Result<()> {
        Array::end(self);
        Ok(())
    }
}

impl ser::SerializeTuple for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.item(v)
    }
    fn end(self) -> Result<()> {
        Array::end(self);
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Array<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.item(v)
    }
    fn end(self) -> Result<()> {
        Array::end(self);
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Variant<Array<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.0.item(v)
    }
    fn end(self) -> Result<()> {
        self.0.end().close(b'}', true);
        Ok(())
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let from = self.w.keys.len();
        key.serialize(KeyText(&mut self.w.keys))?;
        self.key(Key::Map(from, self.w.keys.len()));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.value(v)
    }
    fn end(self) -> Result<()> {
        Object::end(self);
        Ok(())
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.key(Key::Static(key));
        self.value(v)
    }
    fn end(self) -> Result<()> {
        Object::end(self);
        Ok(())
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.0.key(Key::Static(key));
        self.0.value(v)
    }
    fn end(self) -> Result<()> {
        self.0.end().close(b'}', true);
        Ok(())
    }
}

/// A map key as the text a `Value` map would hold (strings, characters and integers), appended
/// to the writer's keys.
struct KeyText<'a>(&'a mut String);

fn unsupported_key() -> Error {
    Error("key must be a string".into())
}

macro_rules! int_key {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, v: $ty) -> Result<()> {
            use std::fmt::Write;
            write!(self.0, "{v}").expect("writing to memory");
            Ok(())
        })*
    };
}

impl ser::Serializer for KeyText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    int_key!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);

    fn serialize_str(self, v: &str) -> Result<()> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.0.push(v);
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_none(self) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_unit(self) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<()> {
        Err(unsupported_key())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(unsupported_key())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(unsupported_key())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct> {
        Err(unsupported_key())
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported_key())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported_key())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unsupported_key())
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant> {
        Err(unsupported_key())
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;
    use std::collections::{BTreeMap, HashMap};

    /// The text serde_json gives through a `Value`.
    fn through_value<T: Serialize>(x: &T) -> String {
        serde_json::to_string_pretty(&serde_json::to_value(x).unwrap()).unwrap()
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Tuple(i32, String),
        Struct { z: bool, a: Option<f64> },
    }

    #[derive(Serialize)]
    struct Unsorted {
        zeta: u64,
        alpha: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<i8>,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        nested: Vec<Shape>,
        floats: Vec<f64>,
        ints: HashMap<u32, char>,
        text: String,
        unit: (),
        value: serde_json::Value,
    }

    #[test]
    fn same_text_as_through_a_value() {
        let x = Unsorted {
            zeta: u64::MAX,
            alpha: "a \"quoted\" \\ line\nbreak \u{1} é \u{2028} \u{0}\u{8}\u{b}\u{c}\r\t\u{1f}\u{7f} 🦀 \"",
            skipped: None,
            empty_list: vec![],
            empty_map: BTreeMap::new(),
            nested: vec![Shape::Unit, Shape::New(7), Shape::Tuple(-3, "t".into()), Shape::Struct { z: true, a: Some(1.5) }, Shape::Struct { z: false, a: None }],
            floats: vec![0.1, 1.0, -2.5e-10, f64::NAN, 1e300],
            ints: [(10, 'x'), (2, 'y'), (33, 'z')].into_iter().collect(),
            text: String::new(),
            unit: (),
            value: json!({"b": [1, {"y": null, "x": {}}], "a": [], "q\"uote\n\u{1}": 0}),
        };
        assert_eq!(super::to_string(&x, 0).unwrap(), through_value(&x));
        assert_eq!(super::to_string(&Vec::<u8>::new(), 0).unwrap(), through_value(&Vec::<u8>::new()));
        assert_eq!(super::to_string(&Shape::Unit, 0).unwrap(), through_value(&Shape::Unit));
        assert_eq!(super::unsorted_structs(&x).unwrap().into_iter().collect::<Vec<_>>(), ["Struct", "Unsorted"]);
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        for c in ['"', '\\', '\n', '\u{0}', '\u{1f}', ' ', '\u{7f}', 'é', '\u{2028}'] {
            for at in 0..20 {
                let s = format!("{}{c}{}", "a".repeat(at), "b".repeat(19 - at));
                for text in [&s[..], &s[..at + c.len_utf8()]] {
                    let mut out = Vec::new();
                    super::string(&mut out, text);
                    assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(text).unwrap());
                }
            }
        }
    }

    #[test]
    fn a_later_duplicate_key_wins() {
        struct Twice;
        impl Serialize for Twice {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("b", &1)?;
                m.serialize_entry("a", &2)?;
                m.serialize_entry("b", &3)?;
                m.end()
            }
        }
        assert_eq!(super::to_string(&Twice, 16).unwrap(), through_value(&Twice));
    }
}
