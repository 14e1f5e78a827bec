//! The ids of a design's components, links, flows and regions: indexes
//! into [`super::Design`]'s lists. A leaf: diagnostics carry ids (through
//! [`super::edit::Target`]) without depending on the model.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComponentId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionId(pub u32);

impl ComponentId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl FlowId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl RegionId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
