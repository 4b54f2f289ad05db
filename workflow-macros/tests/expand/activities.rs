use workflow_runtime::prelude::*;

pub struct Inventory {
    units: u32,
}

#[activities]
impl Inventory {
    #[activity]
    pub async fn reserve(&self, _ctx: ActivityContext, units: u32) -> Result<bool, ActivityError> {
        Ok(units <= self.units)
    }

    pub fn helper(&self) -> u32 {
        self.units
    }
}
