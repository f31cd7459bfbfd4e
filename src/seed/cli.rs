//! `rc-analytics seed`: the demo data generator's command line. (Filled in by the seed work.)

pub fn main(_args: &[String]) -> i32 {
    eprintln!("seed: not implemented yet");
    1
}
