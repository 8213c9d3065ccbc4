//! A fast producer of YAML events for the block-style subset that real templates use.
//!
//! saphyr-parser stays the reference: this module yields exactly the `(Event, Span)` sequence it
//! would yield (same events, scalar values, styles and spans), or it declines and the loader runs
//! saphyr-parser instead. It declines at the first thing outside its subset or at any doubt, and
//! it never reports an error itself: every error message comes from the saphyr path. The gain is
//! in not building each scalar character by character (plain scalars on one line, most of a
//! template, are borrowed from the input) and in having no token queue between scanner and parser.
//!
//! The subset (docs/decisions.md, "Fast path"): text without tabs, carriage returns, byte order
//! marks or other control characters, ending with a line break; block mappings with plain or
//! quoted keys on one line, block sequences (also "indentless" ones under a key), plain scalars
//! (also folded over several lines), quoted scalars on one line, literal and folded block scalars
//! without an explicit indentation indicator, flow collections that close on the line they open,
//! comments, and the document markers `---` and `...` on lines of their own. Anchors, aliases,
//! tags, directives, complex keys (`?`) and everything erroneous are declined.
//!
//! Positions are bytes internally; a marker is converted to saphyr's character counts only when
//! the text is not ASCII. The structure mirrors saphyr's tokens: after each node the cursor is
//! at the next token, and that token's column decides whether a collection goes on or ends (and
//! an ending collection's span is that position, as saphyr's `BlockEnd` token's is).

use saphyr_parser::{Event, Marker, ScalarStyle, Span};
use std::borrow::Cow;
use std::cell::Cell;

/// The input is outside the subset (or doubtful): parse it with saphyr-parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decline;

type Fast<T> = Result<T, Decline>;

/// Deeper nesting is declined, which bounds this module's recursion (the loader refuses depth
/// beyond 200 anyway, through the saphyr path).
const MAX_DEPTH: usize = 256;
/// saphyr-parser forgets a possible simple key 1024 characters after its start; longer keys are
/// left to it.
const MAX_KEY_LEN: usize = 1000;

/// Feed the events of `text` to `sink`, or decline. After a decline `sink` has seen a prefix of
/// the events only, so the caller must discard what it built from them.
pub fn events<'a>(text: &'a str, sink: impl FnMut(Event<'a>, Span)) -> Result<(), Decline> {
    // One pass over the bytes decides most declines before anything is built.
    let b = text.as_bytes();
    if b.last() != Some(&b'\n') || has_control(b) {
        return Err(Decline);
    }
    // saphyr counts positions in characters; past ASCII they are counted (see `mark`). A byte
    // order mark is the one non-ASCII character it treats specially.
    let ascii = text.is_ascii();
    if !ascii && text.contains('\u{feff}') {
        return Err(Decline);
    }
    let mut p = Producer { text, b, ascii, pos: 0, line: 1, line_start: 0, wide_before_line: 0, wide_on_line: Cell::new((0, 0)), depth: 0, implicit_start: false, sink };
    p.stream()
}

/// A plain or quoted scalar scanned but not yet emitted (it may turn out to be a key).
struct Scalar<'a> {
    value: Cow<'a, str>,
    style: ScalarStyle,
    span: Span,
    /// Stopped at a `:` that is a value indicator, on the line where the scalar started.
    key: bool,
    /// A plain scalar ended by a comment after a space on this line (see `node`).
    comment_line: Option<usize>,
    /// The byte column of its start.
    col: usize,
}

struct Producer<'a, F> {
    text: &'a str,
    b: &'a [u8],
    ascii: bool,
    pos: usize,
    line: usize,
    line_start: usize,
    /// UTF-8 continuation bytes before `line_start` (byte index minus character index).
    wide_before_line: usize,
    /// Continuation bytes counted on the current line so far: up to which byte, and how many.
    /// The cursor only moves forward, so each line is counted once however many markers it has.
    wide_on_line: Cell<(usize, usize)>,
    depth: usize,
    /// The next event starts an implicit document: `DocumentStart(false)` goes first, with the
    /// same span (saphyr takes it from the node's first token, which is also the node's span).
    implicit_start: bool,
    sink: F,
}

fn blank_or_end(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | 0)
}

/// A plain scalar's chunk ends at a blank or a `: ` (in block context).
fn block_plain_ends(c: u8, next: u8) -> bool {
    blank_or_end(c) || (c == b':' && blank_or_end(next))
}

/// Any control character but the line break (tabs and carriage returns included)? Checked in
/// blocks without an early exit, which the compiler turns into vector instructions.
fn has_control(b: &[u8]) -> bool {
    b.chunks(64).any(|chunk| chunk.iter().fold(false, |bad, &c| bad | ((c < b' ') & (c != b'\n')) | (c == 0x7f)))
}

/// The bytes at which a plain scalar's chunk may end: blank, line break, `:`.
static CHUNK_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\n' as usize] = true;
    t[b':' as usize] = true;
    t
};

fn continuation_bytes(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xc0 == 0x80).count()
}

fn flow_char(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a, F: FnMut(Event<'a>, Span)> Producer<'a, F> {
    fn emit(&mut self, ev: Event<'a>, span: Span) {
        if self.implicit_start {
            self.implicit_start = false;
            (self.sink)(Event::DocumentStart(false), span);
        }
        (self.sink)(ev, span);
    }

    /// The byte `k` ahead, 0 past the end (the text holds no NUL).
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.pos + k).copied().unwrap_or(0)
    }
    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }
    /// The column in bytes. Only compared where everything before it on the line is a space or
    /// an indicator (line starts, `- `), so bytes and characters agree.
    fn col(&self) -> usize {
        self.pos - self.line_start
    }
    /// The position as saphyr gives it, in characters.
    fn mark(&self) -> Marker {
        if self.ascii {
            return Marker::new(self.pos, self.line, self.col());
        }
        let wide = self.wide_so_far();
        Marker::new(self.pos - self.wide_before_line - wide, self.line, self.col() - wide)
    }
    /// Continuation bytes between the line's start and the cursor.
    fn wide_so_far(&self) -> usize {
        let (upto, n) = self.wide_on_line.get();
        let (upto, n) = if upto < self.line_start || upto > self.pos { (self.line_start, 0) } else { (upto, n) };
        let n = n + continuation_bytes(&self.b[upto..self.pos]);
        self.wide_on_line.set((self.pos, n));
        n
    }
    fn newline(&mut self) {
        if !self.ascii {
            self.wide_before_line += self.wide_so_far();
        }
        self.pos += 1;
        self.line += 1;
        self.line_start = self.pos;
    }
    /// The end of a plain scalar's chunk (block context) that goes on at `i`: the first blank,
    /// line break or `: `. The hot loop of the fast path.
    fn chunk_end(&self, mut i: usize) -> usize {
        let b = self.b;
        loop {
            match b[i.min(b.len())..].iter().position(|&c| CHUNK_STOP[c as usize]) {
                None => return b.len(),
                Some(k) => i += k,
            }
            if b[i] != b':' || blank_or_end(b.get(i + 1).copied().unwrap_or(0)) {
                return i;
            }
            i += 1;
        }
    }
    fn skip_spaces(&mut self) -> bool {
        let from = self.pos;
        while self.peek(0) == b' ' {
            self.pos += 1;
        }
        self.pos > from
    }
    fn skip_to_eol(&mut self) {
        while !matches!(self.peek(0), b'\n' | 0) {
            self.pos += 1;
        }
    }
    /// Spaces, line breaks and comments up to the next token.
    fn skip_to_token(&mut self) {
        loop {
            match self.peek(0) {
                b' ' => self.pos += 1,
                b'\n' => self.newline(),
                b'#' => self.skip_to_eol(),
                _ => return,
            }
        }
    }
    /// Spaces and a comment (which must follow a space) up to the end of the line, as saphyr
    /// skips them after a quoted scalar, a flow collection or a block scalar header. Declines
    /// unless the line ends there.
    fn rest_of_line(&mut self) -> Fast<()> {
        let spaced = self.skip_spaces();
        if self.peek(0) == b'#' {
            if !spaced {
                return Err(Decline);
            }
            self.skip_to_eol();
        }
        if matches!(self.peek(0), b'\n' | 0) { Ok(()) } else { Err(Decline) }
    }
    /// `---` or `...` starting a line and followed by a blank.
    fn at_marker(&self, c: u8) -> bool {
        self.col() == 0 && self.peek(0) == c && self.peek(1) == c && self.peek(2) == c && blank_or_end(self.peek(3))
    }
    fn at_any_marker(&self) -> bool {
        self.at_marker(b'-') || self.at_marker(b'.')
    }
    /// End of the stream or a document marker: every block collection ends here.
    fn at_stop(&self) -> bool {
        self.at_end() || self.at_any_marker()
    }
    fn at_dash(&self) -> bool {
        self.peek(0) == b'-' && blank_or_end(self.peek(1))
    }
    fn marker_span(&self) -> Span {
        let m = self.mark();
        Span::new(m, Marker::new(m.index() + 3, m.line(), m.col() + 3))
    }
    /// After `...`: only spaces and a comment may follow on its line.
    fn document_end_marker(&mut self) -> Fast<Span> {
        let span = self.marker_span();
        self.pos += 3;
        self.rest_of_line()?;
        Ok(span)
    }

    fn stream(&mut self) -> Fast<()> {
        (self.sink)(Event::StreamStart, Span::empty(Marker::new(0, 1, 0)));
        // After a document that ended without `...`, the next one must start with `---`.
        let mut explicit_needed = false;
        loop {
            self.skip_to_token();
            if self.at_end() {
                self.emit(Event::StreamEnd, Span::empty(self.mark()));
                return Ok(());
            }
            if self.at_marker(b'.') {
                self.document_end_marker()?;
                continue;
            }
            if self.at_marker(b'-') {
                let span = self.marker_span();
                let line = self.line;
                self.pos += 3;
                self.emit(Event::DocumentStart(true), span);
                self.skip_to_token();
                if self.at_end() {
                    self.emit(Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None), Span::empty(self.mark()));
                } else if self.at_any_marker() {
                    self.emit(Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None), self.marker_span());
                } else if self.line == line {
                    // Content on the marker's line: keys are not allowed there; left to saphyr.
                    return Err(Decline);
                } else {
                    self.node(-1, false)?;
                }
            } else if explicit_needed {
                return Err(Decline);
            } else {
                self.implicit_start = true;
                self.node(-1, false)?;
            }
            self.skip_to_token();
            if self.at_marker(b'.') {
                let span = self.document_end_marker()?;
                self.emit(Event::DocumentEnd, span);
                explicit_needed = false;
            } else if self.at_marker(b'-') {
                self.emit(Event::DocumentEnd, self.marker_span());
                explicit_needed = true;
            } else if self.at_end() {
                self.emit(Event::DocumentEnd, Span::empty(self.mark()));
                explicit_needed = true;
            } else {
                return Err(Decline);
            }
        }
    }

    /// A node starting at the cursor. `indent` is the column of the enclosing block collection
    /// (-1 at the root): plain scalars continue on lines indented more, block scalars are
    /// indented more. `inline`: the node follows `key: ` on the same line, where neither a
    /// mapping nor a sequence may start.
    fn node(&mut self, indent: isize, inline: bool) -> Fast<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        let (c, next) = (self.peek(0), self.peek(1));
        match c {
            b'-' if blank_or_end(next) => {
                if inline {
                    return Err(Decline);
                }
                self.block_seq()?;
            }
            b'[' | b'{' => self.flow_collection(true)?,
            b'|' | b'>' => self.block_scalar(indent)?,
            b'\'' | b'"' => {
                let s = self.quoted(false)?;
                self.scalar_or_map(s, inline)?;
            }
            b'?' | b':' if blank_or_end(next) => return Err(Decline),
            b',' | b']' | b'}' | b'#' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'\n' | 0 => return Err(Decline),
            _ => {
                let s = self.plain(indent)?;
                let comment_line = s.comment_line;
                self.scalar_or_map(s, inline)?;
                if let Some(l) = comment_line {
                    // A comment cannot interrupt a multi-line plain scalar: saphyr refuses a
                    // next line that could have continued it.
                    self.skip_to_token();
                    if !self.at_end() && self.line == l + 1 && self.col() as isize > indent {
                        return Err(Decline);
                    }
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn scalar_or_map(&mut self, s: Scalar<'a>, inline: bool) -> Fast<()> {
        if !s.key {
            self.emit(Event::Scalar(s.value, s.style, 0, None), s.span);
            return Ok(());
        }
        if inline {
            return Err(Decline);
        }
        self.block_map(s)
    }

    /// A block mapping whose first key was scanned; the cursor is on its `:`.
    fn block_map(&mut self, first: Scalar<'a>) -> Fast<()> {
        let m = first.col;
        self.emit(Event::MappingStart(0, None), Span::empty(first.span.start));
        let mut key = first;
        loop {
            if self.mark().index() - key.span.start.index() > MAX_KEY_LEN {
                return Err(Decline);
            }
            self.emit(Event::Scalar(key.value, key.style, 0, None), key.span);
            let colon = self.mark();
            self.pos += 1;
            self.skip_spaces();
            if self.peek(0) == b'#' {
                self.skip_to_eol();
            }
            if !matches!(self.peek(0), b'\n' | 0) {
                self.node(m as isize, true)?;
            } else {
                self.skip_to_token();
                if self.at_stop() || self.col() < m || (self.col() == m && !self.at_dash()) {
                    self.emit(Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None), Span::empty(colon));
                } else if self.col() == m {
                    self.indentless_seq(m)?;
                } else {
                    self.node(m as isize, false)?;
                }
            }
            self.skip_to_token();
            if self.at_stop() || self.col() < m {
                self.emit(Event::MappingEnd, Span::empty(self.mark()));
                return Ok(());
            }
            if self.col() > m {
                return Err(Decline);
            }
            key = match self.peek(0) {
                b'\'' | b'"' => self.quoted(false)?,
                c if Self::plain_start(c, self.peek(1)) => self.plain(m as isize)?,
                _ => return Err(Decline),
            };
            if !key.key {
                return Err(Decline);
            }
        }
    }

    /// After a `-`: spaces and a comment; the position reached is the entry's span.
    fn after_dash(&mut self) -> Marker {
        self.pos += 1;
        self.skip_spaces();
        if self.peek(0) == b'#' {
            self.skip_to_eol();
        }
        self.mark()
    }

    /// The content of a sequence entry (or an empty scalar at `entry`).
    fn entry(&mut self, s: usize, entry: Marker) -> Fast<()> {
        if !matches!(self.peek(0), b'\n' | 0) {
            return self.node(s as isize, false);
        }
        self.skip_to_token();
        if self.at_stop() || self.col() <= s {
            self.emit(Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None), Span::empty(entry));
            Ok(())
        } else {
            self.node(s as isize, false)
        }
    }

    /// A block sequence; the cursor is on its first `-`.
    fn block_seq(&mut self) -> Fast<()> {
        let s = self.col();
        self.emit(Event::SequenceStart(0, None), Span::empty(self.mark()));
        loop {
            let entry = self.after_dash();
            self.entry(s, entry)?;
            self.skip_to_token();
            if self.at_stop() || self.col() < s {
                self.emit(Event::SequenceEnd, Span::empty(self.mark()));
                return Ok(());
            }
            if self.col() > s || !self.at_dash() {
                return Err(Decline);
            }
        }
    }

    /// A sequence whose `-` are in the column of the mapping key it is the value of. saphyr
    /// gives its start the span of the first entry, and its end that of the token after it.
    fn indentless_seq(&mut self, m: usize) -> Fast<()> {
        let mut first = true;
        loop {
            let entry = self.after_dash();
            if first {
                self.emit(Event::SequenceStart(0, None), Span::empty(entry));
                first = false;
            }
            self.entry(m, entry)?;
            self.skip_to_token();
            if self.at_stop() || self.col() < m || (self.col() == m && !self.at_dash()) {
                self.emit(Event::SequenceEnd, Span::empty(self.mark()));
                return Ok(());
            }
            if self.col() > m {
                return Err(Decline);
            }
        }
    }

    /// A flow collection (`[...]`, `{...}`) that closes on the line it opens, holding plain and
    /// quoted scalars and flow collections; a mapping's entries are `key: value`. `outer`: the
    /// outermost one, after which only a comment may follow on the line. Declined: implicit
    /// mappings in sequences (`[a: b]`), empty keys or values, trailing commas, `-`, `?` or `:`
    /// starting a plain scalar, and anything that continues on the next line (which the loader
    /// may have to re-indent).
    fn flow_collection(&mut self, outer: bool) -> Fast<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Decline);
        }
        let open = self.peek(0);
        let start = self.mark();
        self.pos += 1;
        self.skip_spaces();
        let (start_ev, end_ev, close) = if open == b'{' { (Event::MappingStart(0, None), Event::MappingEnd, b'}') } else { (Event::SequenceStart(0, None), Event::SequenceEnd, b']') };
        self.emit(start_ev, Span::new(start, self.mark()));
        if self.peek(0) != close {
            loop {
                if close == b'}' {
                    let key = match self.peek(0) {
                        b'\'' | b'"' => self.quoted(true)?,
                        c if Self::flow_plain_start(c, self.peek(1)) => self.flow_plain()?,
                        _ => return Err(Decline),
                    };
                    if !key.key {
                        return Err(Decline);
                    }
                    self.emit(Event::Scalar(key.value, key.style, 0, None), key.span);
                    self.pos += 1;
                    self.skip_spaces();
                    if matches!(self.peek(0), b',' | b'}' | b']') {
                        return Err(Decline);
                    }
                }
                self.flow_item()?;
                self.skip_spaces();
                match self.peek(0) {
                    c if c == close => break,
                    b',' => {
                        self.pos += 1;
                        self.skip_spaces();
                        if self.peek(0) == close {
                            return Err(Decline);
                        }
                    }
                    _ => return Err(Decline),
                }
            }
        }
        let end_start = self.mark();
        self.pos += 1;
        if outer {
            self.rest_of_line()?;
        } else {
            self.skip_spaces();
        }
        self.emit(end_ev, Span::new(end_start, self.mark()));
        self.depth -= 1;
        Ok(())
    }

    /// An entry of a flow sequence or a value of a flow mapping.
    fn flow_item(&mut self) -> Fast<()> {
        let s = match self.peek(0) {
            b'[' | b'{' => return self.flow_collection(false),
            b'\'' | b'"' => self.quoted(true)?,
            c if Self::flow_plain_start(c, self.peek(1)) => self.flow_plain()?,
            _ => return Err(Decline),
        };
        if s.key {
            return Err(Decline);
        }
        self.emit(Event::Scalar(s.value, s.style, 0, None), s.span);
        Ok(())
    }

    fn flow_plain_start(c: u8, next: u8) -> bool {
        Self::plain_start(c, next) && !matches!(c, b'?' | b':')
    }

    /// A plain scalar inside a flow collection, on one line: it ends at a flow indicator or at a
    /// `:` followed by a space or a flow indicator (then `key` is set).
    fn flow_plain(&mut self) -> Fast<Scalar<'a>> {
        let start = self.mark();
        let (start_col, start_pos) = (self.col(), self.pos);
        let ends = |c: u8, n: u8| blank_or_end(c) || flow_char(c) || (c == b':' && (blank_or_end(n) || flow_char(n)));
        let mut end_pos;
        loop {
            if self.peek(0) == b'-' && flow_char(self.peek(1)) {
                return Err(Decline);
            }
            while !ends(self.peek(0), self.peek(1)) {
                self.pos += 1;
            }
            end_pos = self.pos;
            let end = self.mark();
            self.skip_spaces();
            let (c, n) = (self.peek(0), self.peek(1));
            if matches!(c, b'#' | b'\n' | 0) {
                return Err(Decline);
            }
            if ends(c, n) {
                // `a:]`, `a:,` and `a:[`: an empty value, or refused by saphyr; left to it.
                if c == b':' && n != b' ' {
                    return Err(Decline);
                }
                let key = c == b':';
                let value = Cow::Borrowed(&self.text[start_pos..end_pos]);
                return Ok(Scalar { value, style: ScalarStyle::Plain, span: Span::new(start, end), key, comment_line: None, col: start_col });
            }
        }
    }

    /// Can `c` (followed by `next`) start a plain scalar in block context?
    fn plain_start(c: u8, next: u8) -> bool {
        match c {
            b'-' | b'?' | b':' => !blank_or_end(next),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' | 0 => false,
            _ => true,
        }
    }

    /// A plain scalar, folded over the following lines indented more than `indent`. Stops at a
    /// `: ` (then `key` tells whether it is still on its first line), a comment, a less indented
    /// line or a document marker. Borrowed unless it spans lines.
    fn plain(&mut self, indent: isize) -> Fast<Scalar<'a>> {
        let start = self.mark();
        let (start_col, start_pos) = (self.col(), self.pos);
        let mut end_pos = start_pos;
        let mut end = start;
        let mut owned: Option<String> = None;
        // Spaces after the last chunk on its line, a line break after it, and empty lines.
        let mut spaces_from: Option<usize> = None;
        let mut broke = false;
        let mut empty_lines = 0usize;
        let mut comment_line = None;
        loop {
            if (self.col() == 0 && self.at_any_marker()) || self.peek(0) == b'#' {
                if self.peek(0) == b'#' && !broke && spaces_from.is_some() {
                    comment_line = Some(self.line);
                }
                break;
            }
            let c = self.peek(0);
            if !block_plain_ends(c, self.peek(1)) {
                if broke {
                    let s = owned.get_or_insert_with(|| self.text[start_pos..end_pos].to_string());
                    if empty_lines == 0 {
                        s.push(' ');
                    } else {
                        s.extend(std::iter::repeat_n('\n', empty_lines));
                    }
                    broke = false;
                    empty_lines = 0;
                } else if let (Some(from), Some(s)) = (spaces_from, owned.as_mut()) {
                    s.push_str(&self.text[from..self.pos]);
                }
                spaces_from = None;
                let chunk = self.pos;
                self.pos = self.chunk_end(self.pos + 1);
                if let Some(s) = owned.as_mut() {
                    s.push_str(&self.text[chunk..self.pos]);
                }
                end_pos = self.pos;
                end = self.mark();
            }
            if !matches!(self.peek(0), b' ' | b'\n') {
                break;
            }
            loop {
                let from = self.pos;
                if self.skip_spaces() && !broke && spaces_from.is_none() {
                    spaces_from = Some(from);
                }
                if self.peek(0) != b'\n' {
                    break;
                }
                if broke {
                    empty_lines += 1;
                } else {
                    spaces_from = None;
                    broke = true;
                }
                self.newline();
            }
            if (self.col() as isize) < indent + 1 {
                break;
            }
        }
        let key = self.peek(0) == b':' && self.line == start.line();
        let value = match owned {
            Some(s) => Cow::Owned(s),
            None => Cow::Borrowed(&self.text[start_pos..end_pos]),
        };
        Ok(Scalar { value, style: ScalarStyle::Plain, span: Span::new(start, end), key, comment_line, col: start_col })
    }

    /// A single- or double-quoted scalar on one line. Its span runs to the end of the spaces (and
    /// comment) after it, as saphyr's does. Borrowed unless it holds an escape.
    fn quoted(&mut self, flow: bool) -> Fast<Scalar<'a>> {
        let start = self.mark();
        let start_col = self.col();
        let single = self.peek(0) == b'\'';
        self.pos += 1;
        let from = self.pos;
        let mut owned: Option<String> = None;
        let mut seg = from;
        loop {
            match self.peek(0) {
                b'\n' | 0 => return Err(Decline),
                b'\'' if single => {
                    if self.peek(1) != b'\'' {
                        break;
                    }
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[seg..self.pos]);
                    s.push('\'');
                    self.pos += 2;
                    seg = self.pos;
                }
                b'"' if !single => break,
                b'\\' if !single => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[seg..self.pos]);
                    let (ch, len) = self.escape()?;
                    s.push(ch);
                    self.pos += len;
                    seg = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        let value = match owned {
            Some(mut s) => {
                s.push_str(&self.text[seg..self.pos]);
                Cow::Owned(s)
            }
            None => Cow::Borrowed(&self.text[from..self.pos]),
        };
        self.pos += 1;
        let spaced = self.skip_spaces();
        if self.peek(0) == b'#' {
            if !spaced || flow {
                return Err(Decline);
            }
            self.skip_to_eol();
        }
        let key = match self.peek(0) {
            b'\n' | 0 if !flow => false,
            b',' | b']' | b'}' if flow => false,
            b':' if self.peek(1) == b' ' || (!flow && blank_or_end(self.peek(1))) => true,
            _ => return Err(Decline),
        };
        let style = if single { ScalarStyle::SingleQuoted } else { ScalarStyle::DoubleQuoted };
        Ok(Scalar { value, style, span: Span::new(start, self.mark()), key, comment_line: None, col: start_col })
    }

    /// The escape at the cursor (a `\`) in a double-quoted scalar: the character and the length
    /// of the escape. An escaped line break (the scalar continues) is declined.
    fn escape(&self) -> Fast<(char, usize)> {
        let simple = match self.peek(1) {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' | b'u' | b'U' => {
                let n = match self.peek(1) {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = self.b.get(self.pos + 2..self.pos + 2 + n).ok_or(Decline)?;
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return Err(Decline);
                }
                let v = u32::from_str_radix(std::str::from_utf8(digits).map_err(|_| Decline)?, 16).map_err(|_| Decline)?;
                return char::from_u32(v).map(|c| (c, 2 + n)).ok_or(Decline);
            }
            _ => return Err(Decline),
        };
        Ok((simple, 2))
    }

    /// A literal (`|`) or folded (`>`) block scalar, with an optional chomping indicator.
    /// `indent` is the column of the enclosing block collection.
    fn block_scalar(&mut self, indent: isize) -> Fast<()> {
        let literal = self.peek(0) == b'|';
        self.pos += 1;
        let (strip, keep) = match self.peek(0) {
            b'-' => (true, false),
            b'+' => (false, true),
            _ => (false, false),
        };
        if strip || keep {
            self.pos += 1;
        }
        if self.peek(0).is_ascii_digit() {
            return Err(Decline);
        }
        self.rest_of_line()?;
        if self.at_end() {
            return Err(Decline);
        }
        self.newline();
        // Leading empty lines; the most indented of them counts for the indentation.
        let mut breaks = 0usize;
        let mut widest = 0usize;
        loop {
            self.skip_spaces();
            widest = widest.max(self.col());
            if self.peek(0) != b'\n' {
                break;
            }
            breaks += 1;
            self.newline();
        }
        if self.at_end() {
            return Err(Decline);
        }
        let mut width = widest.max((indent + 1) as usize);
        if indent > 0 {
            width = width.max(1);
        }
        if width == 0 || (self.col() < width && self.col() as isize > indent) {
            return Err(Decline);
        }
        let start = self.mark();
        let mut out = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        while self.col() == width && !matches!(self.peek(0), b'\n' | 0) {
            let trailing_blank = self.peek(0) == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', breaks));
                }
            } else {
                if leading_break {
                    out.push('\n');
                }
                out.extend(std::iter::repeat_n('\n', breaks));
            }
            leading_break = false;
            breaks = 0;
            leading_blank = trailing_blank;
            let from = self.pos;
            self.skip_to_eol();
            out.push_str(&self.text[from..self.pos]);
            if self.at_end() {
                break;
            }
            self.newline();
            leading_break = true;
            loop {
                while self.col() < width && self.peek(0) == b' ' {
                    self.pos += 1;
                }
                if self.peek(0) != b'\n' {
                    break;
                }
                breaks += 1;
                self.newline();
            }
        }
        if !strip && leading_break {
            out.push('\n');
        }
        if keep {
            out.extend(std::iter::repeat_n('\n', breaks));
        }
        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        self.emit(Event::Scalar(Cow::Owned(out), style, 0, None), Span::new(start, self.mark()));
        Ok(())
    }
}
